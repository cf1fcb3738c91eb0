"""Bridges to the tools corpus builders already use: Hugging Face `datasets` (`hf`) and datatrove (`datatrove`).

Each imports its library only when used; a missing one fails with the install command."""
