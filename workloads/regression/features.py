# Databricks notebook source
# Placeholder until the tested implementation lands.
dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
dbutils.widgets.text("training_data_path", "")
dbutils.widgets.text("features_table", "")
