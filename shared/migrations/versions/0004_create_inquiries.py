"""create_inquiries(): every new inquiry is written by this one function, its plan cached

New inquiries, their audit entries and their ``submitted`` events, with ``due_at`` and
``duplicate_of`` resolved (SPEC §13), for a whole batch. As a statement sent by the services it
was planned on every call (~0.4 ms of PostgreSQL's CPU per submit, more than running it); a
PL/pgSQL function's plans are cached per connection. Changing what it does takes a migration.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parameters: each table's rows as a JSON array (the services' NewInquiry rows, audit entries
# and events, in batch order), the (merchant, email) of every row, and the first-response target
# (seconds) of merchants that set none.
_CREATE = r"""
CREATE FUNCTION create_inquiries(
    p_inquiries jsonb,
    p_audit jsonb,
    p_events jsonb,
    p_merchants text[],
    p_emails text[],
    p_default_target integer
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Same-email creates of one merchant queue here until the first commits, so a repeat created
    -- at the same moment on another instance still sees it. Keys in one order (no deadlock
    -- between batches), in the two-key space (the outbox relay's lock uses one key); 24237 is
    -- 0x5EAD.
    PERFORM pg_advisory_xact_lock(24237, lock_key)
    FROM (
        SELECT DISTINCT hashtext(k.merchant_id || E'\n' || lower(k.email)) AS lock_key
        FROM unnest(p_merchants, p_emails) AS k(merchant_id, email)
        ORDER BY 1
    ) AS sorted;

    -- A statement of its own: it sees what was committed while the locks were awaited.
    -- The root of a new inquiry's chain is the oldest linkable inquiry of 30 days with its email
    -- (lower(), as the index ix_inquiries_repeat_lookup), or, when that one is itself a repeat,
    -- the root it points at while the root is linkable; with none stored, the batch's own first
    -- linkable row of that email (head) is the root of the ones after it (rows this statement
    -- inserts are invisible to it).
    WITH new AS (
        SELECT r.*, r.ordinality AS n
        FROM ROWS FROM (jsonb_populate_recordset(NULL::inquiries, p_inquiries))
             WITH ORDINALITY AS r
    ),
    resolved AS (
        SELECT new.id,
               new.created_at + make_interval(
                   secs => COALESCE(s.first_response_target_seconds, p_default_target)
               ) AS due_at,
               COALESCE(stored.root_id, CASE WHEN head.n < new.n THEN head.id END) AS duplicate_of
        FROM new
        LEFT JOIN merchant_settings s ON s.merchant_id = new.merchant_id
        LEFT JOIN LATERAL (
            SELECT COALESCE(root.id, first.id) AS root_id
            FROM (
                SELECT m.id, m.duplicate_of FROM inquiries m
                WHERE m.merchant_id = new.merchant_id AND lower(m.email) = lower(new.email)
                  AND m.deleted_at IS NULL AND NOT m.is_spam
                  AND m.created_at >= now() - interval '30 days'
                ORDER BY m.created_at, m.id
                LIMIT 1
            ) AS first
            LEFT JOIN inquiries root
              ON root.id = first.duplicate_of AND root.deleted_at IS NULL AND NOT root.is_spam
        ) AS stored ON true
        LEFT JOIN (
            SELECT DISTINCT ON (merchant_id, lower(email))
                   merchant_id, lower(email) AS folded, id, n
            FROM new WHERE NOT is_spam
            ORDER BY merchant_id, lower(email), n
        ) AS head ON head.merchant_id = new.merchant_id AND head.folded = lower(new.email)
    ),
    audited AS (
        INSERT INTO inquiry_events
            (inquiry_id, merchant_id, actor_id, action, from_status, to_status, at, data)
        SELECT inquiry_id, merchant_id, actor_id, action, from_status, to_status, at, data
        FROM ROWS FROM (jsonb_populate_recordset(NULL::inquiry_events, p_audit))
             WITH ORDINALITY AS r
        ORDER BY r.ordinality
    ),
    queued AS (
        -- The event's duplicate_of is set here, where it is resolved.
        INSERT INTO outbox (event_id, topic, merchant_id, inquiry_id, occurred_at, data)
        SELECT r.event_id, r.topic, r.merchant_id, r.inquiry_id, r.occurred_at,
               jsonb_set(r.data, '{duplicate_of}',
                         COALESCE(to_jsonb(resolved.duplicate_of), 'null'))
        FROM ROWS FROM (jsonb_populate_recordset(NULL::outbox, p_events)) WITH ORDINALITY AS r
        JOIN resolved ON resolved.id = r.inquiry_id
        ORDER BY r.ordinality
    )
    INSERT INTO inquiries
        (id, merchant_id, type, name, email, phone, business_name, business_size, industry,
         website, country, subject, message, locale, source, status, is_spam, created_at,
         updated_at, version, due_at, duplicate_of)
    SELECT new.id, new.merchant_id, new.type, new.name, new.email, new.phone, new.business_name,
           new.business_size, new.industry, new.website, new.country, new.subject, new.message,
           new.locale, new.source, new.status, new.is_spam, new.created_at, new.updated_at,
           new.version, resolved.due_at, resolved.duplicate_of
    FROM new JOIN resolved USING (id)
    ORDER BY new.n;
END
$$
"""


def upgrade() -> None:
    op.execute(_CREATE)


def downgrade() -> None:
    op.execute("DROP FUNCTION create_inquiries(jsonb, jsonb, jsonb, text[], text[], integer)")
