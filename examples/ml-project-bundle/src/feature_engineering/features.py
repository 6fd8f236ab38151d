# Databricks notebook source
# Placeholder: the features step of ml-project.
print("features")
