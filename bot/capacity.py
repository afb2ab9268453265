"""How much work the bot takes on at once."""

# Threads that run requests; the Bolt app runs its listeners on as many, and works out as many answers
# at once. While the database does not answer, each waits up to storage.db.SERVING seconds: this many
# commands at once still get an answer.
REQUEST_THREADS = 16
