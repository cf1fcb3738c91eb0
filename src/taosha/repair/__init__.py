"""Repairs: steps that change text and record every change as an edit."""
