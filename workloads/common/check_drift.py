# Databricks notebook source
# Placeholder until the tested implementation lands.
dbutils.widgets.text("drift_table", "")
dbutils.widgets.text("columns", "")
dbutils.widgets.text("metric", "js_distance")
dbutils.widgets.text("threshold", "0.2")
dbutils.widgets.text("lookback_days", "7")
