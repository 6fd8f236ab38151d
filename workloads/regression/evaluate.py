# Databricks notebook source
# Placeholder until the tested implementation lands.
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")
dbutils.widgets.text("min_accuracy", "")
dbutils.widgets.text("min_f1", "")
dbutils.widgets.text("min_r2", "")
