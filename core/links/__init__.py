"""Links between records, chosen by search (issue 22): core.links.services holds the logic."""
