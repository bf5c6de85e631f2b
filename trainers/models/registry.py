"""The family registry lives in ``trainers/registry.py`` (below every family, algorithm and config); this name is
kept for code written before it moved."""

from ..registry import (ADAM, CAPABILITIES, CONV_SIZES, FAMILIES, MLP_SIZES, DataSwitch, Family,  # noqa: F401
                        arch_for, capabilities_of, family_networks, probe_of, register, unregister)
