"""storybot: answers questions about news stories from a curated, validated fact base."""

__version__ = "0.1.0"
