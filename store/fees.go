package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
)

// Fees keeps the fee schedule as one settings document.
type Fees struct{ db *DB }

var _ rights.FeeSchedule = (*Fees)(nil)

// NewFees returns the fee schedule store.
func NewFees(db *DB) *Fees { return &Fees{db: db} }

type feeItemDoc struct {
	ID     string `bson:"id"`
	NameZH string `bson:"name_zh"`
	NameEN string `bson:"name_en"`
	Unit   int    `bson:"unit"`
}

type feesDoc struct {
	ID    string       `bson:"_id"`
	Items []feeItemDoc `bson:"items"`
}

// Fees returns the schedule (empty until an administrator sets one).
func (f *Fees) Fees(ctx context.Context) ([]rights.FeeItem, error) {
	var d feesDoc
	err := f.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: "fee_schedule"}}).Decode(&d)
	if err = translate(err); errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("fee schedule: %w", err)
	}
	out := make([]rights.FeeItem, len(d.Items))
	for i, it := range d.Items {
		out[i] = rights.FeeItem(it)
	}
	return out, nil
}

// SaveFees replaces the schedule.
func (f *Fees) SaveFees(ctx context.Context, items []rights.FeeItem) error {
	d := feesDoc{ID: "fee_schedule", Items: make([]feeItemDoc, len(items))}
	for i, it := range items {
		d.Items[i] = feeItemDoc(it)
	}
	_, err := f.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save fee schedule: %w", translate(err))
	}
	return nil
}

const paymentID = "fee_payment"

type paymentInfoDoc struct {
	ID          string  `bson:"_id"`
	Bank        textDoc `bson:"bank"`
	Branch      textDoc `bson:"branch"`
	AccountName textDoc `bson:"account_name"`
	AccountNo   string  `bson:"account_no"`
	Counter     textDoc `bson:"counter"`
	Hours       textDoc `bson:"hours"`
	EPayURL     string  `bson:"epay_url"`
	DueDays     int     `bson:"due_days"`
}

// PaymentInfo returns how fees are paid: nothing offered and the default period until
// an administrator sets it.
func (f *Fees) PaymentInfo(ctx context.Context) (rights.PaymentInfo, error) {
	var d paymentInfoDoc
	err := f.db.byID(ctx, collSettings, paymentID, &d)
	if errors.Is(err, apperr.ErrNotFound) {
		return rights.PaymentInfo{DueDays: rights.DefaultPayDays}, nil
	}
	if err != nil {
		return rights.PaymentInfo{}, fmt.Errorf("payment instructions: %w", err)
	}
	return rights.PaymentInfo{Bank: rights.Text(d.Bank), Branch: rights.Text(d.Branch), AccountName: rights.Text(d.AccountName), AccountNo: d.AccountNo,
		Counter: rights.Text(d.Counter), Hours: rights.Text(d.Hours), EPayURL: d.EPayURL, DueDays: d.DueDays}, nil
}

// SavePaymentInfo replaces the payment instructions.
func (f *Fees) SavePaymentInfo(ctx context.Context, p rights.PaymentInfo) error {
	d := paymentInfoDoc{ID: paymentID, Bank: textDoc(p.Bank), Branch: textDoc(p.Branch), AccountName: textDoc(p.AccountName), AccountNo: p.AccountNo,
		Counter: textDoc(p.Counter), Hours: textDoc(p.Hours), EPayURL: p.EPayURL, DueDays: p.DueDays}
	if _, err := f.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: paymentID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("save payment instructions: %w", translate(err))
	}
	return nil
}

// Flags are the portal's on/off settings, one document each in "settings".
type Flags struct{ db *DB }

// NewFlags returns the settings flags.
func NewFlags(db *DB) *Flags { return &Flags{db: db} }

type flagDoc struct {
	ID string `bson:"_id"`
	On bool   `bson:"on"`
}

// Flag reports whether the named setting is on (off until set).
func (f *Flags) Flag(ctx context.Context, name string) (bool, error) {
	var d flagDoc
	err := translate(f.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: "flag:" + name}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("setting %s: %w", name, err)
	}
	return d.On, nil
}

// SetFlag turns the named setting on or off.
func (f *Flags) SetFlag(ctx context.Context, name string, on bool) error {
	_, err := f.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: "flag:" + name}}, flagDoc{ID: "flag:" + name, On: on}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("setting %s: %w", name, translate(err))
	}
	return nil
}

// FulfilDays is the administrator's fulfilment target in days (rights.DefaultFulfilDays
// until set).
func (f *Fees) FulfilDays(ctx context.Context) (int, error) {
	var d fulfilDoc
	err := f.db.byID(ctx, collSettings, fulfilID, &d)
	if errors.Is(err, apperr.ErrNotFound) {
		return rights.DefaultFulfilDays, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fulfilment target: %w", err)
	}
	return d.Days, nil
}

// SetFulfilDays sets the fulfilment target.
func (f *Fees) SetFulfilDays(ctx context.Context, days int) error {
	_, err := f.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: fulfilID}}, fulfilDoc{ID: fulfilID, Days: days}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("fulfilment target: %w", translate(err))
	}
	return nil
}

const fulfilID = "fulfil_target"

type fulfilDoc struct {
	ID   string `bson:"_id"`
	Days int    `bson:"days"`
}
