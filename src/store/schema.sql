-- Vigil's canonical database schema. This file is the truth: a fresh database is created from it,
-- and the migrations in src/store/migrations.rs must upgrade any older database to exactly this
-- (a test compares the two). Times are UTC; every unit is stated.
-- Schema version: 10 (kept in PRAGMA user_version). Closed sets of values are CHECKed (v8).

-- The one site this data dir describes (a single row, id = 1).
CREATE TABLE site (
  id INTEGER PRIMARY KEY CHECK (id = 1),  -- always 1: one site per data dir
  name TEXT NOT NULL,                     -- display name of the site, e.g. "Thị trấn Mường Tè"
  timezone TEXT NOT NULL                  -- IANA zone the UI shows times in, e.g. "Asia/Ho_Chi_Minh"
) STRICT;

-- Neighborhoods ("khu phố") that group cameras on the wall and the map.
CREATE TABLE neighborhood (
  id TEXT PRIMARY KEY,                    -- stable id, [a-z0-9_-]{1,64}, e.g. "kp3"
  name TEXT NOT NULL,                     -- display name, e.g. "Khu phố 3"
  colour_rgb INTEGER NOT NULL,            -- display colour as 0xRRGGBB (24-bit integer)
  sort_order INTEGER NOT NULL             -- position in lists, 0-based, ascending
) STRICT;

-- Cameras and the RTSP URLs of their streams.
CREATE TABLE camera (
  id TEXT PRIMARY KEY,                    -- stable id, [a-z0-9_-]{1,64}; the simulator's mount name
  name TEXT NOT NULL,                     -- display name, e.g. "Ngã tư chợ trung tâm"
  neighborhood_id TEXT NOT NULL REFERENCES neighborhood (id),  -- neighborhood the camera stands in
  main_url TEXT NOT NULL,                 -- rtsp:// URL of the full-resolution main stream
  sub_url TEXT,                           -- rtsp:// URL of the substream; NULL when the camera has none
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),  -- 1 = shown and recorded, 0 = configured but ignored
  sort_order INTEGER NOT NULL,            -- position in lists, 0-based, ascending
  credential_id TEXT REFERENCES credential (id),  -- login for the camera; NULL when it needs none (added in v2)
  record_profile TEXT NOT NULL DEFAULT 'main' CHECK (record_profile IN ('main', 'sub', 'off')),  -- which stream is recorded: 'main', 'sub' or 'off' (added in v4)
  retain_days INTEGER CHECK (retain_days IS NULL OR retain_days > 0)  -- keep recordings at most this many days (24 h each); NULL = until the disk quota needs room (added in v4)
) STRICT;

-- Logins that cameras ask for (RTSP basic/digest auth).
-- Note: passwords are stored in clear in this file for now; protect the data dir (mode 0700).
CREATE TABLE credential (
  id TEXT PRIMARY KEY,                    -- stable id, [a-z0-9_-]{1,64}, referenced by camera.credential_id
  username TEXT NOT NULL,                 -- RTSP user name
  password TEXT NOT NULL                  -- RTSP password, in clear
) STRICT;

CREATE INDEX camera_by_neighborhood ON camera (neighborhood_id, sort_order);

-- Wall layouts saved by name (the per-neighborhood and "all cameras" layouts are derived from the
-- site and not stored). Added in v3.
CREATE TABLE wall_layout (
  name TEXT PRIMARY KEY,                  -- name shown on the layout bar, chosen by the user
  layout TEXT NOT NULL,                   -- standard layout name: "1", "2x2" … "6x6", "1+5", "1+7", "1+12", "2+8"
  cameras_json TEXT NOT NULL,             -- JSON array, one entry per tile: camera id or null (empty tile)
  created_unix_ms INTEGER NOT NULL        -- when it was saved, ms since 1970-01-01 UTC
) STRICT;

-- Recording runs: an unbroken stretch of one camera's stream (added in v4). A camera that drops or
-- restarts starts a new run, so the gap between runs is real: nothing was received then.
CREATE TABLE recording_run (
  id INTEGER PRIMARY KEY,                 -- run id, also part of its segments' file names
  camera_id TEXT NOT NULL,                -- camera.id at recording time (no foreign key: recordings outlive the camera's configuration)
  profile TEXT NOT NULL CHECK (profile IN ('main', 'sub')),  -- the stream recorded: 'main' or 'sub' (a preview track's run is 'sub')
  start_90k INTEGER NOT NULL,             -- UTC start, 90 kHz units since 1970-01-01
  end_90k INTEGER,                        -- UTC end (exclusive), 90 kHz units since 1970-01-01; NULL while the run is open
  end_reason TEXT                         -- why it ended, e.g. "stream ended", "disk full", "shutdown"; NULL while open
) STRICT;

-- Segment files of a run, about 60 s each, cut at keyframes (added in v4). A row exists only once
-- its file is complete on disk (written, fsynced, directory fsynced).
CREATE TABLE segment (
  id INTEGER PRIMARY KEY,                 -- segment id
  run_id INTEGER NOT NULL REFERENCES recording_run (id),  -- the run it belongs to
  camera_id TEXT NOT NULL,                -- same as its run's camera_id (copied so coverage queries need no join)
  seq INTEGER NOT NULL,                   -- 0-based position within the run
  start_90k INTEGER NOT NULL,             -- UTC time of the first frame, 90 kHz units since 1970-01-01
  duration_90k INTEGER NOT NULL CHECK (duration_90k >= 0),  -- sum of frame durations, 90 kHz units; the segment covers [start_90k, start_90k + duration_90k)
  path TEXT NOT NULL UNIQUE,              -- file path relative to the recordings root, '/'-separated
  bytes INTEGER NOT NULL,                 -- file size, bytes
  frames INTEGER NOT NULL,                -- number of video frames (samples)
  codec TEXT NOT NULL CHECK (codec IN ('H264', 'H265')),  -- 'H264' or 'H265'
  width INTEGER NOT NULL,                 -- coded picture width, pixels
  height INTEGER NOT NULL,                -- coded picture height, pixels
  keyframe_index BLOB NOT NULL,           -- per keyframe: LEB128 varints (time since previous keyframe (first: since start_90k), 90 kHz units; byte offset of its fragment since the previous one (first: since file start))
  state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2, 3))  -- 0 = ok, 1 = being deleted (file may already be gone), 2 = damaged (file shorter than indexed or unreadable), 3 = open (still being written; duration, bytes, frames and keyframe_index grow every few seconds with the complete fragments on disk)
) STRICT;

CREATE INDEX segment_by_camera_start ON segment (camera_id, start_90k);
CREATE INDEX segment_by_run ON segment (run_id, seq);

-- Ranges locked as evidence: retention never deletes a segment that overlaps one (added in v4).
CREATE TABLE evidence_lock (
  id INTEGER PRIMARY KEY,                 -- lock id
  camera_id TEXT,                         -- locked camera; NULL locks every camera
  start_90k INTEGER NOT NULL,             -- UTC start, 90 kHz units since 1970-01-01
  end_90k INTEGER NOT NULL,               -- UTC end (exclusive), 90 kHz units since 1970-01-01
  reason TEXT NOT NULL,                   -- why, e.g. a case or bookmark title
  created_unix_ms INTEGER NOT NULL,       -- when it was locked, ms since 1970-01-01 UTC
  bookmark_id INTEGER REFERENCES bookmark (id)  -- the bookmark that holds this lock; NULL for a lock of its own (added in v7)
) STRICT;

-- Recorded stretches per camera: adjacent segments merged, kept in step with `segment` in the same
-- transactions (added in v5). The timeline reads this, so a 30-day window costs a few rows per
-- camera instead of 43 200 segments.
CREATE TABLE coverage (
  id INTEGER PRIMARY KEY,                 -- stretch id
  camera_id TEXT NOT NULL,                -- camera.id at recording time
  start_90k INTEGER NOT NULL,             -- UTC start, 90 kHz units since 1970-01-01
  end_90k INTEGER NOT NULL                -- UTC end (exclusive), 90 kHz units since 1970-01-01
) STRICT;

CREATE INDEX coverage_by_camera_end ON coverage (camera_id, end_90k);

-- User settings of this data dir's GUI (added in v6).
CREATE TABLE setting (
  key TEXT PRIMARY KEY,                   -- dotted name, e.g. "ui.lang", "ui.snapshot_dir"
  value TEXT NOT NULL                     -- the value as text ("vi", a folder path, …)
) STRICT;

-- Bookmarks ("đánh dấu"): an incident marked on the timeline over some cameras (added in v7).
CREATE TABLE bookmark (
  id INTEGER PRIMARY KEY,                 -- bookmark id
  title TEXT NOT NULL,                    -- short title, e.g. "Trộm xe máy chợ trung tâm"
  note TEXT NOT NULL,                     -- free text; may be empty
  start_90k INTEGER NOT NULL,             -- UTC start, 90 kHz units since 1970-01-01
  end_90k INTEGER NOT NULL CHECK (end_90k > start_90k),  -- UTC end (exclusive), 90 kHz units since 1970-01-01
  cameras_json TEXT NOT NULL,             -- JSON array of the camera ids it concerns
  locked INTEGER NOT NULL CHECK (locked IN (0, 1)),  -- 1 = its range is locked from retention (evidence_lock rows with this bookmark_id)
  created_unix_ms INTEGER NOT NULL        -- when it was made, ms since 1970-01-01 UTC
) STRICT;

CREATE INDEX bookmark_by_start ON bookmark (start_90k);

-- Alarms ("cảnh báo", added in v9): one row per alarm, from raising to closing. The alarm runner
-- (in the process that records) writes the condition's columns; an officer's action writes the
-- state's columns, checked against the state the row has then.
CREATE TABLE alarm (
  id INTEGER PRIMARY KEY,                 -- alarm number, given by the engine, shown to the officer
  kind TEXT NOT NULL CHECK (kind IN ('offline', 'no_picture', 'frozen', 'video_loss', 'motion', 'recording', 'onvif')),  -- what happened
  camera_id TEXT,                         -- camera.id it concerns; NULL for the whole recorder (disk)
  subject TEXT NOT NULL,                  -- which one within kind and camera: the recording fault ("disk_full") or ONVIF topic; '' otherwise
  detail TEXT NOT NULL,                   -- what the producer said last, e.g. the offline reason; may be ''
  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 3),  -- 1 most urgent … 3 least
  began_90k INTEGER NOT NULL,             -- UTC when the condition began (before any debounce), 90 kHz units since 1970-01-01
  opened_90k INTEGER NOT NULL,            -- UTC when the alarm was raised, 90 kHz units since 1970-01-01
  last_triggered_90k INTEGER NOT NULL,    -- UTC when the condition last started again, 90 kHz units since 1970-01-01
  cleared_90k INTEGER,                    -- UTC when the condition ended, 90 kHz units since 1970-01-01; NULL while it lasts
  count INTEGER NOT NULL CHECK (count >= 1),  -- times the condition triggered while this alarm was open
  escalated INTEGER NOT NULL CHECK (escalated IN (0, 1)),  -- 1 = still new after the escalation delay: one priority up
  state TEXT NOT NULL CHECK (state IN ('new', 'acknowledged', 'on_hold', 'closed')),  -- where the officers' work stands
  state_by TEXT NOT NULL,                 -- who put it in this state; '' for new and for an automatic close
  state_90k INTEGER,                      -- UTC when it entered this state, 90 kHz units since 1970-01-01; NULL while new
  state_note TEXT NOT NULL,               -- the note written with this state; may be ''
  resolution TEXT CHECK (resolution IS NULL OR resolution IN ('incident', 'false_alarm', 'technical', 'test', 'auto')),  -- why it was closed; NULL while open
  acknowledged_by TEXT,                   -- who acknowledged it first (kept once closed); NULL if nobody did
  acknowledged_90k INTEGER                -- UTC of that first acknowledgement, 90 kHz units since 1970-01-01
) STRICT;

CREATE INDEX alarm_open ON alarm (state) WHERE state != 'closed';
CREATE INDEX alarm_by_opened ON alarm (opened_90k);
CREATE INDEX alarm_by_camera ON alarm (camera_id, began_90k);

-- Every change of every alarm, in order (added in v9): the shift report and the alarm's history.
CREATE TABLE alarm_event (
  id INTEGER PRIMARY KEY,                 -- order of the changes
  alarm_id INTEGER NOT NULL REFERENCES alarm (id),  -- the alarm changed
  at_90k INTEGER NOT NULL,                -- UTC when, 90 kHz units since 1970-01-01
  transition TEXT NOT NULL CHECK (transition IN ('raised', 'retriggered', 'cleared', 'escalated', 'acknowledged', 'on_hold', 'closed', 'auto_closed')),  -- what changed
  by TEXT NOT NULL,                       -- the officer; '' for the system
  note TEXT NOT NULL,                     -- the officer's note, or the detail the system had; may be ''
  count INTEGER NOT NULL,                 -- the alarm's count after the change
  priority INTEGER NOT NULL               -- the alarm's priority after the change (1–3)
) STRICT;

CREATE INDEX alarm_event_by_alarm ON alarm_event (alarm_id, id);

-- Periods a camera was offline, each one reported when it ended, alarmed or not (added in v9):
-- the timeline draws them, so a blip shorter than the debounce still shows.
CREATE TABLE outage (
  id INTEGER PRIMARY KEY,                 -- outage id
  camera_id TEXT NOT NULL,                -- camera.id
  start_90k INTEGER NOT NULL,             -- UTC start, 90 kHz units since 1970-01-01
  end_90k INTEGER NOT NULL CHECK (end_90k >= start_90k),  -- UTC end, 90 kHz units since 1970-01-01
  reason TEXT NOT NULL,                   -- the last offline reason, in English (views translate); may be ''
  alarm_id INTEGER REFERENCES alarm (id)  -- the offline alarm raised during it; NULL for a blip under the debounce
) STRICT;

CREATE INDEX outage_by_camera_end ON outage (camera_id, end_90k);

-- Intervals of motion on a camera's picture (added in v10): the timeline's motion strip.
CREATE TABLE motion (
  id INTEGER PRIMARY KEY,                 -- interval id
  camera_id TEXT NOT NULL,                -- camera.id
  start_90k INTEGER NOT NULL,             -- UTC when motion began, 90 kHz units since 1970-01-01
  end_90k INTEGER CHECK (end_90k IS NULL OR end_90k >= start_90k)  -- UTC when it ended, 90 kHz units since 1970-01-01; NULL while it lasts
) STRICT;

CREATE UNIQUE INDEX motion_by_camera_start ON motion (camera_id, start_90k);

-- Which cells moved, one row per camera and second with motion (added in v10): Smart Motion
-- Search ("when did anything move here?").
CREATE TABLE motion_second (
  camera_id TEXT NOT NULL,                -- camera.id
  second_90k INTEGER NOT NULL,            -- UTC start of the second, 90 kHz units since 1970-01-01
  cells BLOB NOT NULL CHECK (length(cells) = 18),  -- the 16x9 grid, bit row*16+col of byte bit/8 (least significant bit first), 1 = motion
  PRIMARY KEY (camera_id, second_90k)     -- one row per camera and second
) STRICT, WITHOUT ROWID;
