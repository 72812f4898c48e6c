"""The library as a whole, for browsing: `catalog` groups the articles, reads their facts
tables, finds related careers and lays 2-4 careers side by side."""
