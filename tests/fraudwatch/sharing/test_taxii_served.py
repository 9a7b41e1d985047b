"""The TAXII 2.1 server read by a real client, taxii2-client, from gunicorn on 127.0.0.1 (one
served instance for the module, SQLite): discovery, API root, collections, paged objects with
`added_after` and filters, the manifest and single objects, the suspected collection with an API
key as Basic password; every object passes the OASIS validator."""
from __future__ import annotations

import pytest
import requests
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from fraudwatch.infra.extensions import db
from fraudwatch.services.taxii import collection_id
from fraudwatch.storage import users
from tests.fraudwatch.sharing.seed import CONFIRMED_VALUES, add_one, seed
from tests.fraudwatch.sharing.stix_check import assert_objects_valid, removed
from tests.served import ServedInstance


@pytest.fixture(scope="module")
def served(tmp_path_factory, redis_url):
    folder = tmp_path_factory.mktemp("taxii")
    with ServedInstance(f"sqlite:///{folder / 'db'}", redis_url, folder / "instance") as instance:
        app = instance.app()
        with app.app_context():
            seed(db.session)
            user = users.create_user(db.session, "acme", "enterprise", None)
            instance.key = users.create_token(db.session, user)
            db.session.commit()
        instance.in_process = app
        instance.start_web(workers=1, threads=2)
        yield instance
        db.dispose(app)


def _values(objects: list[dict]) -> set[str]:
    return {o["pattern"].split(" = '", 1)[1][:-2].replace("\\'", "'").replace("\\\\", "\\")
            for o in objects if o["type"] == "indicator" and not removed(o)}


def test_discovery_roots_and_collections(served):
    server = Server(served.url + "/taxii2/")
    assert server.title == "fraudwatch TAXII 2.1"
    (root,) = server.api_roots
    assert root.url == served.url + "/taxii2/fraudwatch/" and server.default.url == root.url
    assert "application/taxii+json;version=2.1" in root.versions
    titles = {c.id: (c.title, c.can_read, c.can_write) for c in root.collections}
    assert titles == {collection_id("confirmed"): ("fraudwatch confirmed indicators", True, False),
                      collection_id("suspected"): ("fraudwatch suspected indicators", False, False)}


def test_objects_in_pages_with_added_after_and_filters(served):
    collection = Collection(f"{served.url}/taxii2/fraudwatch/collections/{collection_id('confirmed')}/")
    pages = list(as_pages(collection.get_objects, per_request=3))
    objects = [o for page in pages for o in page.get("objects", [])]
    assert len(pages) > 2 and len({o["id"] for o in objects}) == len(objects)
    assert_objects_valid(objects)
    assert _values(objects) == CONFIRMED_VALUES
    assert {o["type"] for o in objects} == {"identity", "marking-definition", "indicator", "relationship",
                                           "campaign", "report"}

    manifest = collection.get_manifest()
    last = max(m["date_added"] for m in manifest["objects"])
    assert collection.get_objects(added_after=last).get("objects", []) == []
    add_one(served.in_process, 30, "fresh-one.top")
    newer = collection.get_objects(added_after=last)["objects"]
    assert _values(newer) == {"fresh-one.top"}
    assert_objects_valid(newer)

    only = collection.get_objects(type="campaign")["objects"]
    assert [o["type"] for o in only] == ["campaign"]
    indicator = next(o for o in objects if o["type"] == "indicator")
    assert collection.get_object(indicator["id"])["objects"] == [indicator]
    assert collection.get_objects(id=indicator["id"])["objects"] == [indicator]


def test_suspected_collection_needs_the_key(served):
    url = f"{served.url}/taxii2/fraudwatch/collections/{collection_id('suspected')}/"
    with pytest.raises(AccessError):  # the server said can_read false to an anonymous caller
        Collection(url).get_objects()
    refused = requests.get(url + "objects/", headers={"Accept": "application/taxii+json;version=2.1"}, timeout=10)
    assert refused.status_code == 401 and "Basic" in refused.headers["WWW-Authenticate"]
    with pytest.raises(requests.HTTPError) as wrong:
        Collection(url, user="acme", password="not-the-key").get_objects()
    assert wrong.value.response.status_code == 401
    root = ApiRoot(served.url + "/taxii2/fraudwatch/", user="acme", password=served.key)
    suspected = next(c for c in root.collections if c.id == collection_id("suspected"))
    assert suspected.can_read
    objects = suspected.get_objects()["objects"]
    assert_objects_valid(objects)
    assert _values(objects) == {"http://maybe.top/x"}
