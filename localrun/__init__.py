"""A thin local runtime for the workloads' notebooks: what only a Databricks workspace has, on this
machine, so that the notebooks and their libraries run unmodified on local Spark and MLflow.

`localrun.runtime` is the adapter (dbutils, the Spark session, Unity Catalog names, the
`databricks-uc` registry, volumes); `localrun.jobs` runs a job's tasks in their dependency order;
`localrun.workspace` stands in for the workspace services a job reads but does not run (the serving
endpoint's inference table, `system.serving.served_entities`, the quality monitor's refresh);
`localrun.scenario` is what `npm run local-run` runs. See docs/workloads.md.
"""
