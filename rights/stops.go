package rights

// StopReach is what the portal itself stops when a purpose is stopped. A stop that the
// portal cannot carry out in its own processing is carried out in the agency's files
// (the file tasks), and the officer is told so before fulfilling.
type StopReach string

const (
	// ReachMail: the portal no longer mails the person reports of their requests'
	// progress; written notices the law requires (extension, decision) still go.
	ReachMail StopReach = "mail"
	// ReachCounting: the person's page views are no longer counted in the traffic
	// statistics, and their visitor cookie is dropped.
	ReachCounting StopReach = "counting"
	// ReachLookup: the agency's systems that send this purpose's mail ask the consent
	// look-up first, which answers no while the stop lasts.
	ReachLookup StopReach = "lookup"
	// ReachFiles: the portal processes nothing for this purpose apart from the account
	// itself; the stop is carried out in the agency's files.
	ReachFiles StopReach = "files"
)

// reaches are the default catalogue's purposes for which the portal processes data
// itself; any other purpose (one an administrator adds) is carried out in the files.
var reaches = map[string]StopReach{
	"progress":   ReachMail,
	"stats":      ReachCounting,
	"newsletter": ReachLookup,
	"survey":     ReachLookup,
}

// ReachOf is what stopping purpose reaches on the portal.
func ReachOf(purpose string) StopReach {
	if r, ok := reaches[purpose]; ok {
		return r
	}
	return ReachFiles
}

// progressMail are the mail kinds that only report how a request is going: the request
// page shows the same, so a stop of the progress purpose ends them. Acknowledging
// receipt, asking for identity and the written notices of extension, decision and a
// moved due date (rights/notices.go) are duties of the procedure and are sent whatever
// the stop.
var progressMail = map[string]bool{
	"request_fulfilled": true,
	"request_message":   true,
}

// MailPurpose is the purpose a mail kind serves when a stop can end it, else "".
func MailPurpose(kind string) string {
	if progressMail[kind] {
		return "progress"
	}
	return ""
}
