# Databricks notebook source
# Placeholder until the tested implementation lands.
dbutils.widgets.text("source_model", "")
dbutils.widgets.text("source_alias", "champion")
dbutils.widgets.text("target_model", "")
dbutils.widgets.text("validation_table", "")
dbutils.widgets.text("label_col", "label")
dbutils.widgets.text("min_accuracy", "0.85")
dbutils.widgets.text("min_f1", "0.8")
