"""Certificates anyone can verify offline: an A4 PDF with an embedded CJK font and a QR code
carrying a signed payload (Ed25519 over a canonical encoding), a whole-file signature appended
as a PDF incremental update, a signed revocation list and offline verification.

Parts: payload (canonical encoding, facts, signing: pure), keys (the issuer's key files and
rotation), fonts (finding Noto Sans CJK, refusing characters it lacks), pdf (rendering, the
file signature, reading a certificate back), issue (issuing and batch issuing, the records),
eligibility (who has earned which certificate), revocation, trust (the key set and revocation
list a verification uses), verify, view (the Voila app), demo (`make demo`'s certificates).
Importing this package loads none of them."""
