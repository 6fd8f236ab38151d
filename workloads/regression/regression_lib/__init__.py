"""The house-price regression workload's own library: feature building, the model, the gate.

A second, small example workload: it shows that a project brings its own code, with its own
package beside its notebooks, and shares the platform's `mlops_lib` (aliases, gating).
"""
