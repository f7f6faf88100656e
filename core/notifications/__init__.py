"""Work finds the person (issue 21): what happened, kept as a log of events written in the
same transaction as the change, and told to the people it concerns through the outbox."""
