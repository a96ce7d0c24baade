"""Exam sittings (场次): seats, codes and lockout, attempts on the server's clock, durable answers,
submission, results, events and proctoring. Every rule lives here; the exam room (grader/room/),
the CLI and the demo only parse, call one function and show what it returns.

Conventions: every function takes the Session (opened at the edge, committed by the caller, also
when a refusal was logged) and the server's `now` (naive local time, as the sittings are written).
Refusals raise `SittingError` whose message is Chinese, for the candidate or the staff member;
`save_answer`/`save` never raise for what a browser sends (they return `Saved`). The candidate is
identified by (attempt_id, admission_no) from the room's signed cookie; every call refuses an
attempt that is not that seat's.

Public API (module: names)

grader.sitting.errors      SittingError
grader.sitting.codes       load_secret(root) -> bytes          the HMAC key, root/.exam-code-secret, mode 600
                           new_code() -> str; digest(secret, admission_no, code) -> str
grader.sitting.seats       Seat(admission_no, code, student_id, assignment)
                           create_sitting(session, sitting_id, title, assignments, students, opens_at,
                               closes_at, duration_minutes, *, secret, attempts_allowed=1,
                               switch_limit=None, created_by, now) -> list[Seat]
                           seat_list(session, seats) -> list[dict]       the printable admission list
                           reissue_codes(session, secret, sitting_id, *, every=False) -> list[Seat]
                           sittings(session) -> list[SittingInfo]
grader.sitting.signin      sign_in(session, secret, admission_no, code, *, client, now,
                               client_limit=20) -> AttemptView
                               (5 wrong codes lock the seat 10 min; 20 failures / 10 min per client;
                               every try is a ql_sign_in row: commit also on SittingError; with no
                               attempt left it returns the handed-in one, to show its result)
                           sign_in_hub_user(session, student_id, *, client, now) -> AttemptView
                               (a roster id differing only in case is the hub user's, exact first)
                           admit(...) / admit_hub_user(...) -> Admitted(sitting_id, admission_no,
                               attempt_id): the same without building the view (the room's sign-in)
grader.sitting.attempt     AttemptView (frozen; items, answers, marked, saved_at, deadline, ...)
                           resume(session, attempt_id, admission_no, now) -> AttemptView   (cookie)
                           attempt_for(session, attempt_id) -> AttemptView                   (staff)
                           unanswered(view) -> list[int]
                           hold(session, attempt_id, admission_no) -> Held | None: the attempt
                               locked with its seat's facts in one statement (saves, marks)
                           open_attempt(session, seat, now) -> int: resume or start (seat locked)
                           start_or_resume(..., *, secret) / start_for_user: the old names, kept
grader.sitting.briefing    Briefing (frozen): name, unit, sitting and paper titles, minutes, item
                           count, points and scoring rule per type, total, pass mark, show_score
                           briefing(session, attempt_id, admission_no) -> Briefing
                           exam_entry(session, attempt_id, admission_no) -> (AttemptView, Briefing)
                               the exam page's data read once
grader.sitting.answers     Saved(accepted, reason, value, saved_at, deadline, closed)
                           save(session, attempt_id, admission_no, position, shown, now) -> Saved
                           save_answer(session, view, position, shown, now) -> Saved   (old name)
                           mark(session, attempt_id, admission_no, position, marked, now) -> None
                           MAX_ANSWER_CHARS comes from grader.scoring (the grader's limit)
grader.sitting.events      EventOutcome(count, limit, submitted)
                           record_event(session, root, attempt_id, admission_no, kind, now)
                               kind in {"blur", "hidden"}; reaching the sitting's switch limit submits
grader.sitting.submission  Submitted(attempt_id, admission_no, student_id, assignment, submitted_at,
                               how, path)
                           submit_attempt(session, root, attempt_id, now, *, how, admission_no=None)
                               -> Submitted   (json only: no nbformat/nbgrader import; idempotent
                               refusal "已交卷" when already submitted)
                           submit(session, root, view, now, *, how="candidate") -> Path  (old name)
                           grade_attempt(session, root, attempt_id, *, actor) -> ResultView
                               (imports grader.autograde: run it in an executor)
                           close_expired(session, root, now, *, grade=True) -> list[str]
                           expire(session, root, now) -> list[Submitted]   (close only, short)
                           grade_submitted(session, root, submitted, *, actor)  (then, apart)
grader.sitting.results     ResultView (frozen): graded, score, total, objective_total, pass_mark,
                               status in {"pending", "passed", "failed", "pending_manual"}, flagged,
                               shown (the paper lets the candidate see it); .status_text
                           result_view(session, attempt_id) -> ResultView
grader.sitting.proctor     SeatStatus (frozen): admission_no, student_id, name, unit, assignment,
                               state in {"未登录", "作答中", "已交卷", "已锁定"}, answered, items,
                               last_save, switches, attempt_id, deadline, locked; .label "作答中 12/40"
                           seat_table(session, sitting_id, now) -> list[SeatStatus]
                           unlock(session, admission_no, *, actor, reason, now)
                           extend(session, admission_no, minutes, *, actor, reason, now) -> datetime
                           force_submit(session, root, admission_no, *, actor, reason, now) -> Submitted
                           reopen(session, admission_no, minutes, *, actor, reason, now) -> datetime
                           actions(session, sitting_id) -> list[ProctorAction]
grader.sitting.tickets     read_codes(list_csv) -> {admission_no: code}
                           tickets_for(session, sitting_id, codes, place) -> list[Ticket]
                           ticket_pdf(tickets) -> bytes   (A4, a page each, embedded CJK font)
"""
