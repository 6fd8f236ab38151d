# Databricks notebook source
# Placeholder until the tested implementation lands.
dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("input_table", "")
dbutils.widgets.text("output_table", "")
