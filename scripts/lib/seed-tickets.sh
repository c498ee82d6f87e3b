# Sourced by the benchmarks: seed_sql sqlite|postgres prints SQL that inserts $n tickets
# (a year of reports, four services in 16 areas, 70 % resolved) with their history and surveys.
# created_at spread over the last year; the same rows on both stores.
seed_sql() { # $1: sqlite|postgres
  if [ "$1" = sqlite ]; then
    series="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)"
    at="strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (i % 365) || ' days', '-' || (i % 1440) || ' minutes')"
    plus() { echo "strftime('%Y-%m-%d %H:%M:%f', $1, '+' || ($2) || ' minutes')"; }
    pad="printf('%09d', 100000000 + i)"; phone="'+2782' || printf('%07d', i % 500000)"
  else
    series="WITH s(i) AS (SELECT generate_series(1, $n))"
    at="now() - ((i % 365) || ' days')::interval - ((i % 1440) || ' minutes')::interval"
    plus() { echo "($1 + (($2) || ' minutes')::interval)"; }
    pad="lpad((100000000 + i)::text, 9, '0')"; phone="'+2782' || lpad((i % 500000)::text, 7, '0')"
  fi
  local service="CASE i % 4 WHEN 0 THEN 'water' WHEN 1 THEN 'roads' WHEN 2 THEN 'waste' ELSE 'electricity' END"
  local area="CASE (i / 4) % 16" k=0
  for a in soweto alexandra diepsloot orange_farm ivory_park randburg sandton roodepoort midrand lenasia braamfontein hillbrow \
           yeoville kliptown fordsburg cosmo_city; do area+=" WHEN $k THEN '$a'"; k=$((k + 1)); done
  area+=" END"
  local resolvedAt; resolvedAt=$(plus "$at" "1200 + (i * 7) % 2880")
  cat <<SQL
$series
INSERT INTO tickets (reference, service, fault, area, address, description, moe, queue, status, channel, reporter, language,
                     created_at, updated_at, due_at, acknowledge_due_at)
SELECT $pad, $service, 'general', $area, 'x', '', $service, 'water-general',
       CASE WHEN i % 10 < 7 THEN 'resolved' ELSE 'acknowledged' END, CASE i % 4 WHEN 0 THEN 'sms' ELSE 'ussd' END,
       $phone, 'en', $at, CASE WHEN i % 10 < 7 THEN $resolvedAt ELSE $at END, $(plus "$at" "48 * 60"), $(plus "$at" "4 * 60")
FROM s;
INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, is_public, actor)
SELECT id, $(plus created_at "id % 240"), 'status', 'new', 'acknowledged', true, 'bench' FROM tickets;
INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, is_public, actor)
SELECT id, updated_at, 'status', 'acknowledged', 'resolved', true, 'bench' FROM tickets WHERE status = 'resolved';
INSERT INTO surveys (ticket_id, msisdn, reference, resolution, sent_at, rating, answered_at)
SELECT id, reporter, reference, 1, $(plus updated_at 60), 1 + id % 5, $(plus updated_at 120) FROM tickets WHERE status = 'resolved' AND id % 10 = 0;
SQL
}

