"""pb-hub export-content reads each published module through field
tables before it writes the stick's manifest: a catalogue row of a bad
shape (a member missing, of another type, out of its bounds, nested one
level deeper, a huge list) is named on stderr with the member that
failed, left off the stick, and the rest is exported; the database is
only read. Real pb-hub verbs and PostgreSQL."""
import json
import os

from pbhub import Hub, publish_module

def feed(hub):
    return hub.sql("SELECT string_agg(cursor || ':' || doc::text, '|' ORDER BY cursor) "
                   "FROM feed")


def test_malformed_catalogue_rows_are_named_and_left_off(pg, tmpdir_hub):
    hub = Hub(pg, tmpdir_hub)
    sha = publish_module(hub, tmpdir_hub, "kk-a-mat-1", 1000)
    good = {"path": "video.mp4", "sha256": sha}
    bad_module = "pb-hub: a published module is malformed: "
    bad_file = "pb-hub: module kk-bad: file %d is malformed: "
    files_msg = "files: a list of 1 to 64 files (bad_module)"
    for n, (doc, said) in enumerate((
            ({"id": "kk-bad"}, bad_module + files_msg),
            ({"id": "kk-bad", "files": []}, bad_module + files_msg),
            ({"id": "kk-bad", "files": "video.mp4"}, bad_module + files_msg),
            ({"id": "kk-bad", "files": {"0": good}}, bad_module + files_msg),
            ({"id": "kk-bad", "files": [good] * 65}, bad_module + files_msg),
            ({"id": "kk-bad", "files": [{}] * 5000}, bad_module + files_msg),
            ({"id": 7, "files": [good]}, bad_module + "id: an id of 1 to 64 bytes (bad_module)"),
            ({"id": "k" * 65, "files": [good]},
             bad_module + "id: an id of 1 to 64 bytes (bad_module)"),
            ({"id": "kk-bad", "files": [[good]]},
             bad_module + "files: each file is an object (bad_file)"),
            ({"id": "kk-bad", "files": [good, "video.mp4"]},
             bad_module + "files: each file is an object (bad_file)"),
            ({"id": "kk-bad", "files": [{"path": "video.mp4"}]},
             bad_file % 1 + "sha256: a SHA-256 in lower-case hex (bad_file)"),
            ({"id": "kk-bad", "files": [good, {"path": "v", "sha256": sha.upper()}]},
             bad_file % 2 + "sha256: a SHA-256 in lower-case hex (bad_file)"),
            ({"id": "kk-bad", "files": [{"path": "v", "sha256": sha[:63]}]},
             bad_file % 1 + "sha256: a SHA-256 in lower-case hex (bad_file)"),
            ({"id": "kk-bad", "files": [{"path": "v", "sha256": [sha]}]},
             bad_file % 1 + "sha256: a SHA-256 in lower-case hex (bad_file)"),
            ({"id": "kk-bad", "files": [{"sha256": sha}]},
             bad_file % 1 + "path: a path of 1 to 255 bytes (bad_file)"),
            ({"id": "kk-bad", "files": [{"path": {"p": "video.mp4"}, "sha256": sha}]},
             bad_file % 1 + "path: a path of 1 to 255 bytes (bad_file)"),
            ({"id": "kk-bad", "files": [{"path": "v\u0001.mp4", "sha256": sha}]},
             bad_file % 1 + "path: a path of 1 to 255 bytes (bad_file)"),
            ({"id": "kk-bad", "files": [dict(good, name="n" * 256)]},
             bad_file % 1 + "name: a name of at most 255 bytes (bad_file)"))):
        hub.sql("DELETE FROM feed WHERE doc->>'id' IS DISTINCT FROM 'kk-a-mat-1'")
        hub.sql("INSERT INTO feed(kind, doc) VALUES ('catalogue', '%s'::jsonb)"
                % json.dumps(doc).replace("'", "''"))
        before = feed(hub)
        out = os.path.join(tmpdir_hub, "stick-%d" % n)
        p = hub.cli("export-content", out, "--centre", "PB-X", check=False)
        assert p.returncode == 1, (doc, p.stdout, p.stderr)
        assert said in p.stderr.splitlines(), (said, p.stderr)
        # the good module is on the stick, the bad one is not
        assert "1 module(s), 1 file(s)" in p.stdout, p.stdout
        with open(os.path.join(out, "manifest.json")) as f:
            assert [m["id"] for m in json.load(f)["modules"]] == ["kk-a-mat-1"]
        assert os.listdir(os.path.join(out, "files")) == [sha]
        assert feed(hub) == before
    # a name that is not text is no name: the path's last part, as before
    hub.sql("DELETE FROM feed WHERE doc->>'id' IS DISTINCT FROM 'kk-a-mat-1'")
    hub.sql("INSERT INTO feed(kind, doc) VALUES ('catalogue', '%s'::jsonb)" % json.dumps(
        {"id": "kk-ok", "files": [{"path": "dir/video.mp4", "sha256": sha, "name": 5}]}))
    out = os.path.join(tmpdir_hub, "stick-ok")
    p = hub.cli("export-content", out, "--centre", "PB-X")
    assert "2 module(s), 2 file(s)" in p.stdout, p.stdout
    with open(os.path.join(out, "manifest.json")) as f:
        mods = {m["id"]: m for m in json.load(f)["modules"]}
    assert mods["kk-ok"]["files"][0]["name"] == "video.mp4"
    assert mods["kk-ok"]["files"][0]["path"] == "files/" + sha
