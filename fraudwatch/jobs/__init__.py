"""Background work on RQ: the queues and the pending-job pump, workers, the job functions
(`tasks`) and distributed crawling (the glue between stored reports and the libraries)."""
