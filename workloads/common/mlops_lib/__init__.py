"""The platform's workload library: pure-Python logic the platform and project notebooks share.

The notebooks keep the Spark, MLflow and dbutils glue; these modules take pandas data or plain
values and return decisions, so that pytest can check them without a cluster. Nothing here
imports MLflow or PySpark at import time: the tests run where neither is installed.
"""
