"""Exam sittings (场次): seats, attempts on the server's clock, durable answers, submission."""
