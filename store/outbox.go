package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/vault"
)

// Outbox implements mail.Store. Pending mail lives in "outbox" (kept small, so the
// worker's scan stays cheap on the embedded engine); sent mail moves to "mail", where the
// recipient's inbox page reads it through the recipient's list (lists.go). Address,
// subject and body are sealed with the recipient's data key.
type Outbox struct {
	db    *DB
	vault *vault.Vault
}

var _ mail.Store = (*Outbox)(nil)

// NewOutbox returns the mail store.
func NewOutbox(db *DB, v *vault.Vault) *Outbox { return &Outbox{db: db, vault: v} }

type mailDoc struct {
	ID          string    `bson:"_id"`
	UserID      string    `bson:"user_id"`
	To          []byte    `bson:"to"`
	Subject     []byte    `bson:"subject"`
	Body        []byte    `bson:"body"`
	Lang        string    `bson:"lang"`
	Kind        string    `bson:"kind"`
	Created     time.Time `bson:"created"`
	Attempts    int       `bson:"attempts"`
	NextAttempt time.Time `bson:"next_attempt"`
	SentAt      time.Time `bson:"sent_at,omitempty"`
	LastError   string    `bson:"last_error,omitempty"`
	// Attached counts the sealed attachments, which the worker's scan leaves unread and
	// reads by _id only for a message it delivers.
	Attached    int    `bson:"attached,omitempty"`
	Attachments []byte `bson:"attachments,omitempty"`
	// Coded holds the sealed link and arguments of a message worded when sent or read;
	// messages stored before it was kept have none, and their subject and body as worded.
	Coded []byte `bson:"coded,omitempty"`
}

// codedMail is what Coded seals.
type codedMail struct {
	Link string     `json:"link,omitempty"`
	Args []mail.Arg `json:"args,omitempty"`
}

// sealCoded seals a coded message's link and arguments (nothing for one worded already).
func sealCoded(s *vault.Sealer, m *mail.Message) ([]byte, error) {
	if !m.Coded {
		return nil, nil
	}
	b, err := json.Marshal(codedMail{Link: m.Link, Args: m.Args})
	if err != nil {
		return nil, err
	}
	return s.Seal("mail.coded", string(b)), nil
}

// Enqueue stores a pending message.
func (o *Outbox) Enqueue(ctx context.Context, m *mail.Message) error {
	s, err := o.vault.For(ctx, m.UserID)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	d := mailDoc{
		ID: m.ID, UserID: m.UserID, To: s.Seal("mail.to", m.To), Subject: s.Seal("mail.subject", m.Subject), Body: s.Seal("mail.body", m.Body),
		Lang: m.Lang, Kind: m.Kind, Created: m.Created.UTC(), NextAttempt: m.NextAttempt.UTC(),
	}
	if len(m.Attachments) > 0 {
		b, err := json.Marshal(m.Attachments)
		if err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
		d.Attached, d.Attachments = len(m.Attachments), s.Seal("mail.attachments", string(b))
	}
	if d.Coded, err = sealCoded(s, m); err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	if err := o.db.listAdd(ctx, listMail, m.UserID, m.ID); err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	if _, err := o.db.coll(collOutbox).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("enqueue mail: %w", translate(err))
	}
	return nil
}

// Backlog counts the mail waiting to be sent (the metrics).
func (o *Outbox) Backlog(ctx context.Context) (int64, error) {
	n, err := o.db.coll(collOutbox).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("outbox backlog: %w", translate(err))
	}
	return n, nil
}

// mailLease is how long a claimed message is kept from other workers: longer than any
// delivery takes (the SMTP client's timeouts), so only a worker that died mid-delivery
// lets a message be tried again, by whichever instance comes next.
const mailLease = 10 * time.Minute

// Due claims pending messages ready for an attempt, oldest first, for mailLease: each is
// returned to one caller only, whichever instance asks. Along the way it
// tidies two kinds of pending mail that must never be sent: a message already in the sent
// mail (MarkSent was interrupted between its two steps) is removed rather than delivered
// again, and a message whose recipient's key was destroyed (the person was erased) is
// deleted, since nobody can ever read or deliver it. Neither counts towards limit, so
// they cannot crowd out deliverable mail.
func (o *Outbox) Due(ctx context.Context, now time.Time, limit int) ([]*mail.Message, error) {
	return o.pending(ctx, now, limit, true)
}

// Pending is what Due would return, without claiming it: what waits to be sent, for
// an operator's look (and tests), at most limit (0: all).
func (o *Outbox) Pending(ctx context.Context, now time.Time, limit int) ([]*mail.Message, error) {
	return o.pending(ctx, now, limit, false)
}

func (o *Outbox) pending(ctx context.Context, now time.Time, limit int, claim bool) ([]*mail.Message, error) {
	ctx = background.Job(ctx, "mail") // the worker's read of the pending mail, never a page's
	docs, err := o.docs(ctx, collOutbox, bson.D{{Key: "next_attempt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}}, "attachments")
	if err != nil {
		return nil, err
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].Created.Before(docs[j].Created) })
	var out []*mail.Message
	for i := range docs {
		if limit > 0 && len(out) == limit {
			break
		}
		d := &docs[i]
		sent, err := o.isSent(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		if sent {
			if err := o.dropPending(ctx, d.ID); err != nil {
				return nil, err
			}
			continue
		}
		if claim {
			ok, err := o.claim(ctx, d, now)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue // another worker has it
			}
		}
		m, err := o.open(ctx, d)
		if errors.Is(err, vault.ErrKeyDestroyed) {
			if err := o.dropPending(ctx, d.ID); err != nil {
				return nil, err
			}
			if err := o.db.listRemove(ctx, listMail, d.UserID, d.ID); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// claim moves a message's next attempt past the lease if it is still what the scan read:
// a compare-and-set on next_attempt (Shared mode), or a check under the message's lock
// (the single writer, which filters on _id alone).
func (o *Outbox) claim(ctx context.Context, d *mailDoc, now time.Time) (bool, error) {
	defer o.db.locks.lock(collOutbox, d.ID)()
	filter := bson.D{{Key: "_id", Value: d.ID}}
	if o.db.single {
		var cur mailDoc
		err := translate(o.db.coll(collOutbox).FindOne(ctx, filter).Decode(&cur))
		if errors.Is(err, apperr.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("claim mail: %w", err)
		}
		if !cur.NextAttempt.Equal(d.NextAttempt) {
			return false, nil
		}
	} else {
		filter = append(filter, bson.E{Key: "next_attempt", Value: d.NextAttempt})
	}
	until := now.Add(mailLease).UTC()
	res, err := o.db.coll(collOutbox).UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "next_attempt", Value: until}}}})
	if err != nil {
		return false, fmt.Errorf("claim mail: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return false, nil
	}
	d.NextAttempt = until
	return true, nil
}

// ForUser lists a person's mail, pending and sent, newest first, at most limit (0: all).
func (o *Outbox) ForUser(ctx context.Context, userID string, limit int) ([]*mail.Message, error) {
	out, _, err := o.ForUserPage(ctx, userID, 0, limit)
	return out, err
}

// ForUserPage is one page of a person's mail, newest first: limit messages after the
// newest skip (0: all), and whether older ones remain. It reads the person's list, then
// only the page's messages by _id, from the sent mail, else from the outbox. Mail of a
// person whose key was destroyed is unreadable and left out.
func (o *Outbox) ForUserPage(ctx context.Context, userID string, skip, limit int) ([]*mail.Message, bool, error) {
	ids, err := o.db.listIDs(ctx, listMail, userID)
	if err != nil {
		return nil, false, fmt.Errorf("read mail: %w", err)
	}
	var all []mailDoc
	i := len(ids) - 1
	for ; i >= 0 && (limit <= 0 || len(all) < skip+limit); i-- {
		d, err := o.one(ctx, ids[i])
		if errors.Is(err, apperr.ErrNotFound) {
			continue // deleted by retention, or queued by a request that did not finish
		}
		if err != nil {
			return nil, false, err
		}
		all = append(all, *d)
	}
	more := i >= 0
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created.After(all[j].Created) })
	all = all[min(skip, len(all)):]
	var out []*mail.Message
	for i := range all {
		m, err := o.open(ctx, &all[i])
		if errors.Is(err, vault.ErrKeyDestroyed) {
			continue // the person was erased: their mail is unreadable
		}
		if err != nil {
			return nil, false, err
		}
		out = append(out, m)
	}
	return out, more, nil
}

// Message returns one of the person's messages by id; another person's is not found.
func (o *Outbox) Message(ctx context.Context, userID, id string) (*mail.Message, error) {
	d, err := o.one(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.UserID != userID {
		return nil, fmt.Errorf("mail %s: %w", id, apperr.ErrNotFound)
	}
	m, err := o.open(ctx, d)
	if errors.Is(err, vault.ErrKeyDestroyed) {
		return nil, fmt.Errorf("mail %s: %w", id, apperr.ErrNotFound)
	}
	return m, err
}

// one reads a message by id: the sent copy if there is one (an interrupted MarkSent
// leaves a copy in each), else the pending one.
func (o *Outbox) one(ctx context.Context, id string) (*mailDoc, error) {
	for _, coll := range []string{collMail, collOutbox} {
		var d mailDoc
		err := translate(o.db.coll(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d))
		if err == nil {
			return &d, nil
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return nil, fmt.Errorf("read mail: %w", err)
		}
	}
	return nil, fmt.Errorf("mail %s: %w", id, apperr.ErrNotFound)
}

func (o *Outbox) docs(ctx context.Context, coll string, filter bson.D, leave ...string) ([]mailDoc, error) {
	opts := options.Find()
	if len(leave) > 0 {
		proj := bson.D{}
		for _, f := range leave {
			proj = append(proj, bson.E{Key: f, Value: 0})
		}
		opts.SetProjection(proj)
	}
	cur, err := o.db.coll(coll).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", translate(err))
	}
	var docs []mailDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read mail: %w", translate(err))
	}
	return docs, nil
}

// isSent reports whether the message is already in the sent mail (an _id lookup).
func (o *Outbox) isSent(ctx context.Context, id string) (bool, error) {
	err := translate(o.db.coll(collMail).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err())
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, apperr.ErrNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("read mail: %w", err)
	}
}

// Withdraw drops a message not yet sent: the mail of a filing that was then refused
// (handlers/cases/filing.go). A message already sent stays sent.
func (o *Outbox) Withdraw(ctx context.Context, id string) error { return o.dropPending(ctx, id) }

func (o *Outbox) dropPending(ctx context.Context, id string) error {
	if _, err := o.db.coll(collOutbox).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("drop mail: %w", translate(err))
	}
	return nil
}

func (o *Outbox) open(ctx context.Context, d *mailDoc) (*mail.Message, error) {
	s, err := o.vault.For(ctx, d.UserID)
	if err != nil {
		return nil, err
	}
	m := &mail.Message{ID: d.ID, UserID: d.UserID, Lang: d.Lang, Kind: d.Kind, Created: d.Created,
		Attempts: d.Attempts, NextAttempt: d.NextAttempt, SentAt: d.SentAt, LastError: d.LastError}
	if m.To, err = s.Open("mail.to", d.To); err != nil {
		return nil, err
	}
	if m.Subject, err = s.Open("mail.subject", d.Subject); err != nil {
		return nil, err
	}
	if m.Body, err = s.Open("mail.body", d.Body); err != nil {
		return nil, err
	}
	if len(d.Coded) > 0 {
		b, err := s.Open("mail.coded", d.Coded)
		if err != nil {
			return nil, err
		}
		var c codedMail
		if err := json.Unmarshal([]byte(b), &c); err != nil {
			return nil, fmt.Errorf("mail %s: %w", d.ID, err)
		}
		m.Coded, m.Link, m.Args = true, c.Link, c.Args
	}
	if d.Attached > 0 && d.Attachments == nil { // left out of the scan: read it now
		full, err := o.one(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		d.Attachments = full.Attachments
	}
	if len(d.Attachments) > 0 {
		b, err := s.Open("mail.attachments", d.Attachments)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(b), &m.Attachments); err != nil {
			return nil, fmt.Errorf("mail %s attachments: %w", d.ID, err)
		}
	}
	return m, nil
}

// MarkSent copies the message to the sent mail, then removes it from the outbox. A
// crash between the two leaves a copy in each; Due then finds the sent copy and removes
// the pending one instead of returning it, so the message is not delivered twice.
func (o *Outbox) MarkSent(ctx context.Context, m *mail.Message, at time.Time) error {
	var d mailDoc
	err := o.db.coll(collOutbox).FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&d)
	if err = translate(err); errors.Is(err, apperr.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	d.SentAt, d.Attempts, d.LastError = at.UTC(), m.Attempts+1, ""
	if _, err := o.db.coll(collMail).InsertOne(ctx, d); err != nil && !errors.Is(translate(err), apperr.ErrConflict) {
		return fmt.Errorf("mark sent: %w", translate(err))
	}
	if _, err := o.db.coll(collOutbox).DeleteOne(ctx, bson.D{{Key: "_id", Value: m.ID}}); err != nil {
		return fmt.Errorf("mark sent: %w", translate(err))
	}
	return nil
}

// Retry records a failed attempt.
func (o *Outbox) Retry(ctx context.Context, m *mail.Message) error {
	set := bson.D{{Key: "attempts", Value: m.Attempts}, {Key: "next_attempt", Value: m.NextAttempt.UTC()}, {Key: "last_error", Value: m.LastError}}
	if _, err := o.db.coll(collOutbox).UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("retry mail: %w", translate(err))
	}
	return nil
}

// Release makes the messages parked for reason due at now.
func (o *Outbox) Release(ctx context.Context, reason string, now time.Time) (int, error) {
	ctx = background.Job(ctx, "mail")
	res, err := o.db.coll(collOutbox).UpdateMany(ctx, bson.D{{Key: "last_error", Value: reason}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "next_attempt", Value: now.UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("release mail: %w", translate(err))
	}
	return int(res.ModifiedCount), nil
}
