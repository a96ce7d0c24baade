"""The exam room as a web service (Tornado): sign-in, one question at a time, durable autosave,
submission and the proctor's table. No kernel, no state in the process: every request carries a
signed cookie and every state lives in the gradebook, so any number of room processes can serve
one sitting. No rule lives here: handlers parse, call grader.sitting, render."""
