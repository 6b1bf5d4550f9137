"""The inquiry domain as every service sees it: the write model, its validation and vocabulary."""
