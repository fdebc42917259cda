"""pb-hub publish takes one JSON document or a list of them, checked by a
field table before anything is written: a list holding something other
than objects (a number, a nested list), or longer than
HUB_PUBLISH_ITEMS_MAX, publishes nothing and says why. Real pb-hub verb
and PostgreSQL."""
import json

from pbhub import Hub

ITEM = "pb-hub: nothing published: each item of the list is a JSON object (bad_item)"
MANY = "pb-hub: nothing published: at most 10000 items in one list (too_many_items)"


def feed(hub):
    return hub.sql("SELECT count(*) || ':' || coalesce(string_agg(doc::text, '|' "
                   "ORDER BY cursor), '') FROM feed")


def test_publish_refuses_a_bad_list_whole(pg, tmpdir_hub):
    hub = Hub(pg, tmpdir_hub)
    hub.cli("publish", "rates", input='[{"item":"a","amount_rp":1}]')
    before = feed(hub)
    for doc, said in (([{"item": "b", "amount_rp": 2}, 5], ITEM),
                      ([{"item": "b", "amount_rp": 2}, [{"item": "c"}]], ITEM),
                      ([{"item": "b"}, None], ITEM),
                      (["rates"], ITEM),
                      ([{}] * 10001, MANY)):
        p = hub.cli("publish", "rates", input=json.dumps(doc), check=False)
        assert p.returncode == 1 and p.stderr.strip() == said, (p.stdout, p.stderr)
        assert feed(hub) == before
    for text in ("5", '"rates"', "[1,", ""):
        p = hub.cli("publish", "rates", input=text, check=False)
        assert p.returncode == 1 and "not a JSON object or array" in p.stderr, text
        assert feed(hub) == before
    # the same lists done right: every item, in order; an empty list is nothing
    p = hub.cli("publish", "rates", input=json.dumps([{"item": "b"}, {"item": "c"}]))
    assert p.stdout.strip() == "2 rates item(s) published"
    assert hub.cli("publish", "rates", input="[]").stdout.strip() == "0 rates item(s) published"
    p = hub.cli("publish", "rates", input=json.dumps([{}] * 10000))
    assert p.stdout.strip() == "10000 rates item(s) published"
    assert hub.sql("SELECT string_agg(doc->>'item', ',' ORDER BY cursor) FROM feed "
                   "WHERE doc ? 'item'") == "a,b,c"
