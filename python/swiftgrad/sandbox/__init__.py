"""Theano's theano.sandbox: the MRG random streams."""
