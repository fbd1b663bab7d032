"""Tests of synth/runtime, the modules generated services run."""
