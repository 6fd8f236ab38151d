# Databricks notebook source
# Placeholder: the train step of ml-project.
print("train")
