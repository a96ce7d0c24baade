"""Essay marking (阅卷) for trainers: one essay item of a paper across all candidates, shown by an
anonymous code, with its rubric; single or double marking; every mark written to nbgrader's own
grade and comment tables (so formgrader and `qinglian export` agree) and to the audit log.

codes.py: the anonymous codes · queue.py: what there is to mark · marks.py: the rules of a mark ·
app.py and handlers.py: the Tornado service (`qinglian marking`), thin."""
