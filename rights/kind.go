// Package rights holds the five PDPA Art. 3 requests and their statutory periods. It
// imports neither gin nor mongo.
package rights

// Kind is one of the five rights a data subject may exercise.
type Kind string

const (
	View    Kind = "view"    // 查詢或請求閱覽, Art. 10
	Copy    Kind = "copy"    // 請求製給複製本, Art. 10
	Correct Kind = "correct" // 請求補充或更正, Art. 11
	Stop    Kind = "stop"    // 請求停止蒐集、處理或利用, Art. 11
	Delete  Kind = "delete"  // 請求刪除, Art. 11
)

// Kinds lists the rights in the order the law does.
var Kinds = []Kind{View, Copy, Correct, Stop, Delete}

// DecisionDays is the Art. 13 period to decide: 15 days for view and copy, 30 for the others.
func (k Kind) DecisionDays() int {
	if k == View || k == Copy {
		return 15
	}
	return 30
}
