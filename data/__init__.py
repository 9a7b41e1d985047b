"""The project's data files, shipped inside the package as `fraudwatch.data` (see
pyproject.toml: the package-dir mapping). Code finds them with
`fraudwatch.datafiles.data_path`."""
