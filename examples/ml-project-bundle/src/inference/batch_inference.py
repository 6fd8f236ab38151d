# Databricks notebook source
# Placeholder: the batch_inference step of ml-project.
print("batch_inference")
