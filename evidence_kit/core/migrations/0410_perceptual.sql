-- PDQ perceptual hashes of image artifacts and of sampled video frames.
-- Derived data (recomputable from the artifacts), so no ledger event per hash.
CREATE TABLE perceptual_hashes (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    frame       INTEGER NOT NULL,          -- 0 for a still image; the sample number for a video
    at_ms       INTEGER,                   -- video: the frame's time from the start
    variant     TEXT NOT NULL DEFAULT '',  -- '' = the whole image (standard PDQ); 'c3' = 3 % cut from
                                           -- every side, 'l4' = 4 % cut from the left, … (crop tolerance)
    pdq         TEXT NOT NULL,             -- 64 hex digits (ThreatExchange order)
    quality     INTEGER NOT NULL,          -- 0..100; below 50 PDQ is not reliable
    PRIMARY KEY (artifact_id, frame, variant)
);

-- One row per artifact looked at, so on-demand indexing skips what is done (or not hashable).
CREATE TABLE perceptual_status (
    artifact_id INTEGER PRIMARY KEY REFERENCES artifacts(id),
    status      TEXT NOT NULL,             -- ok, unsupported, error, too_large
    method      TEXT NOT NULL DEFAULT '',  -- pdqhash+pillow, pdqhash+pyav
    message     TEXT NOT NULL DEFAULT '',
    computed_at TEXT NOT NULL
);
