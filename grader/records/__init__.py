"""Records for the organisation department: gate steps, a person's whole record, exports, the view."""
