-- A close that failed its self-check fetches SEQR's reports again (its state goes back to `marked` with it).
UPDATE periods SET state = 'marked' WHERE close_id = $close_id
