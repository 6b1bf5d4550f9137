"""The inquiry domain as every service sees it: fields, vocabulary, creation, lifecycle."""
