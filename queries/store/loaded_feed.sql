-- The feed of a POS file loaded before with the same content (its SHA-256), if any.
SELECT feed FROM pos_files WHERE sha256 = $sha256
