"""The churn workload's own library: feature building and what training and evaluation share.

Pure pandas and scikit-learn; the notebooks beside this package read and write the tables.
"""
