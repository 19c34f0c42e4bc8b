package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/letters"
)

// Letters keeps the settings of written notices (one settings document) and their
// document numbers: "letters" holds each issued letter's number under "<ref>/<letter>",
// "letter_numbers" each number taken under "<year>-<serial>" with the letter it went to
// (the agency's register of numbers sent out).
type Letters struct{ db *DB }

var _ letters.Store = (*Letters)(nil)

// NewLetters returns the letters store.
func NewLetters(db *DB) *Letters { return &Letters{db: db} }

const letterSettingsID = "letters"

type textDoc struct {
	ZH string `bson:"zh"`
	EN string `bson:"en"`
}

type letterSettingsDoc struct {
	ID        string  `bson:"_id"`
	Prefix    textDoc `bson:"prefix"`
	Agency    textDoc `bson:"agency"`
	Address   textDoc `bson:"address"`
	HeadTitle textDoc `bson:"head_title"`
	HeadName  textDoc `bson:"head_name"`
	Appeal    textDoc `bson:"appeal"`
}

// LetterSettings returns the saved settings, or the defaults.
func (l *Letters) LetterSettings(ctx context.Context) (letters.Settings, error) {
	var d letterSettingsDoc
	err := l.db.byID(ctx, collSettings, letterSettingsID, &d)
	if errors.Is(err, apperr.ErrNotFound) {
		return letters.Defaults(), nil
	} else if err != nil {
		return letters.Settings{}, fmt.Errorf("letter settings: %w", err)
	}
	return letters.Settings{Prefix: letters.Text(d.Prefix), Agency: letters.Text(d.Agency), Address: letters.Text(d.Address),
		HeadTitle: letters.Text(d.HeadTitle), HeadName: letters.Text(d.HeadName), Appeal: letters.Text(d.Appeal)}, nil
}

// SaveLetterSettings replaces the settings.
func (l *Letters) SaveLetterSettings(ctx context.Context, s letters.Settings) error {
	d := letterSettingsDoc{ID: letterSettingsID, Prefix: textDoc(s.Prefix), Agency: textDoc(s.Agency), Address: textDoc(s.Address),
		HeadTitle: textDoc(s.HeadTitle), HeadName: textDoc(s.HeadName), Appeal: textDoc(s.Appeal)}
	_, err := l.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save letter settings: %w", translate(err))
	}
	return nil
}

type letterDoc struct {
	ID     string `bson:"_id"` // <ref>/<letter>
	Year   int    `bson:"year"`
	Serial int64  `bson:"serial"`
}

type letterNumberDoc struct {
	ID     string `bson:"_id"` // <year>-<serial>
	Ref    string `bson:"ref"`
	Letter string `bson:"letter"`
}

// LetterNumber returns the letter's number, taking the next of the year the first time.
//
// The year's counter moves with $inc, then is read back; with several instances two of
// them can read the same value, so the number is only theirs once its claim (a unique
// _id in letter_numbers) is inserted, and a lost claim takes the next value. Two
// instances issuing the same letter at once both claim a number; the letter's own insert
// decides which one it keeps, and the other number stays unused (a gap, never a repeat).
func (l *Letters) LetterNumber(ctx context.Context, ref, letter string, year int) (letters.Number, error) {
	id := ref + "/" + letter
	if n, err := l.letterNumber(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
		return n, err
	}
	// Within one process, one claim per letter: a page opened twice takes one number.
	defer l.db.locks.lock(collLetters, id)()
	if n, err := l.letterNumber(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
		return n, err
	}
	var serial int64
	for range 1000 {
		n, err := l.nextSerial(ctx, year)
		if err != nil {
			return letters.Number{}, err
		}
		claim := letterNumberDoc{ID: fmt.Sprintf("%04d-%07d", year, n), Ref: ref, Letter: letter}
		_, err = l.db.coll(collLetterNumbers).InsertOne(ctx, claim)
		if err = translate(err); errors.Is(err, apperr.ErrConflict) {
			continue // another instance read the same value of the counter
		} else if err != nil {
			return letters.Number{}, fmt.Errorf("letter number: %w", err)
		}
		serial = n
		break
	}
	if serial == 0 {
		return letters.Number{}, fmt.Errorf("%w: letter numbers of %d kept being taken", apperr.ErrConflict, year)
	}
	_, err := l.db.coll(collLetters).InsertOne(ctx, letterDoc{ID: id, Year: year, Serial: serial})
	if err = translate(err); errors.Is(err, apperr.ErrConflict) {
		return l.letterNumber(ctx, id) // another instance numbered it first
	} else if err != nil {
		return letters.Number{}, fmt.Errorf("letter number: %w", err)
	}
	return letters.Number{Year: year, Serial: serial}, nil
}

func (l *Letters) letterNumber(ctx context.Context, id string) (letters.Number, error) {
	var d letterDoc
	if err := translate(l.db.coll(collLetters).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return letters.Number{}, err
		}
		return letters.Number{}, fmt.Errorf("letter %s: %w", id, err)
	}
	return letters.Number{Year: d.Year, Serial: d.Serial}, nil
}

// nextSerial moves the year's counter of letter numbers by one and reads it back.
func (l *Letters) nextSerial(ctx context.Context, year int) (int64, error) {
	id := fmt.Sprintf("letters-%04d", year)
	defer l.db.locks.lock(collCounters, id)()
	inc := func() error {
		_, err := l.db.coll(collCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}}, options.UpdateOne().SetUpsert(true))
		return translate(err)
	}
	// Two instances creating the year's counter at once: one insert wins, the other's
	// upsert fails as a duplicate and, tried again, finds the counter to move.
	err := inc()
	if errors.Is(err, apperr.ErrConflict) {
		err = inc()
	}
	if err != nil {
		return 0, fmt.Errorf("letter number: %w", err)
	}
	var c counterDoc
	if err := l.db.coll(collCounters).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return 0, fmt.Errorf("letter number: %w", translate(err))
	}
	return c.N, nil
}

var _ letters.Post = (*Letters)(nil)

// QueuePost puts a letter on the list of those to post.
func (l *Letters) QueuePost(ctx context.Context, id string) error {
	return l.db.listAdd(ctx, listPost, "pending", id)
}

// Posted moves a letter from the pending list to the day's. The day's list is written
// first: a crash between the two leaves the letter on both, and the page checks each
// pending letter's request, so it is not posted twice.
func (l *Letters) Posted(ctx context.Context, id, day string) error {
	if day != "" {
		if err := l.db.listAdd(ctx, listPost, day, id); err != nil {
			return err
		}
	}
	return l.db.listRemove(ctx, listPost, "pending", id)
}

// PendingPost lists the letters still to post.
func (l *Letters) PendingPost(ctx context.Context) ([]string, error) {
	return l.db.listIDs(ctx, listPost, "pending")
}

// PostedOn lists the letters posted on day.
func (l *Letters) PostedOn(ctx context.Context, day string) ([]string, error) {
	return l.db.listIDs(ctx, listPost, day)
}
