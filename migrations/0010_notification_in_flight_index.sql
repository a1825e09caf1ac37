-- tongban:no-transaction
-- Claims skip an address with a message in flight (one phone, one message at a time, in event
-- order); this keeps that check an index probe however long the queue.
CREATE INDEX CONCURRENTLY IF NOT EXISTS notification_message_in_flight_idx
    ON notification_message (channel, address) WHERE status = 'sending';
