# Databricks notebook source
# Placeholder: the evaluate step of ml-project.
print("evaluate")
