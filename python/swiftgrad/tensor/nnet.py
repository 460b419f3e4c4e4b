"""Theano's theano.tensor.nnet: neural-network operations."""

from .. import relu, sigmoid, softplus

__all__ = ["relu", "sigmoid", "softplus"]
