"""Theano's theano.sandbox.rng_mrg. swiftgrad has one counter-based
generator (Philox), so MRG_RandomStreams is RandomStreams: the same API,
other numbers than Theano's MRG31k3p."""

from ..tensor.shared_randomstreams import RandomStreams as MRG_RandomStreams

__all__ = ["MRG_RandomStreams"]
