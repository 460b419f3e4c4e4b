"""Theano's theano.tensor.nnet: neural-network operations."""

from .. import sigmoid

__all__ = ["sigmoid"]
