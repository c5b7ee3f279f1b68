package regions

// Zones is what `sovereign new region` writes for a region: the availability zones its subnets
// span and where AWS Backup copies its recovery points.
type Zones struct {
	// AZs are the zone names a new stack lists, in order: three where the region offers them to
	// every account, otherwise the ones most accounts have.
	AZs []string
	// Note, when set, is written above the list in the stack file: why the list is not the obvious
	// one and what to check.
	Note string
	// CopyRegion is where the region's backups are copied: the nearest region, in the same country
	// or legal area where AWS has two; "" when there is no sensible choice (the stack file then
	// names none and the person adding the region decides).
	CopyRegion string
}

// zoneTable has an entry for every region of table. AWS maps zone letters to physical zones per
// account, and some letters are not offered to newer accounts (us-west-1 gives most accounts two
// zones, ap-northeast-1b is closed to them, ca-central-1 has no zone c): the table lists the zones
// most accounts have, and `aws ec2 describe-availability-zones --region R` shows an account's own.
// Three zones are enough for the subnet plan and a NAT gateway per zone; more add cost.
var zoneTable = map[string]Zones{
	"us-east-1":      {AZs: abc("us-east-1"), CopyRegion: "us-west-2"},
	"us-east-2":      {AZs: abc("us-east-2"), CopyRegion: "us-west-2"},
	"us-west-1":      {AZs: []string{"us-west-1a", "us-west-1c"}, Note: "us-west-1 offers new accounts two AZs; list the ones your account has.", CopyRegion: "us-east-2"},
	"us-west-2":      {AZs: abc("us-west-2"), CopyRegion: "us-east-2"},
	"ca-central-1":   {AZs: []string{"ca-central-1a", "ca-central-1b", "ca-central-1d"}, Note: "ca-central-1 has no zone c: its third AZ is ca-central-1d.", CopyRegion: "ca-west-1"},
	"ca-west-1":      {AZs: abc("ca-west-1"), CopyRegion: "ca-central-1"},
	"sa-east-1":      {AZs: abc("sa-east-1"), CopyRegion: "us-east-1"},
	"mx-central-1":   {AZs: abc("mx-central-1"), CopyRegion: "us-east-2"},
	"eu-west-1":      {AZs: abc("eu-west-1"), CopyRegion: "eu-central-1"},
	"eu-west-2":      {AZs: abc("eu-west-2"), CopyRegion: "eu-west-1"},
	"eu-west-3":      {AZs: abc("eu-west-3"), CopyRegion: "eu-central-1"},
	"eu-central-1":   {AZs: abc("eu-central-1"), CopyRegion: "eu-west-1"},
	"eu-central-2":   {AZs: abc("eu-central-2"), CopyRegion: "eu-central-1"},
	"eu-north-1":     {AZs: abc("eu-north-1"), CopyRegion: "eu-central-1"},
	"eu-south-1":     {AZs: abc("eu-south-1"), CopyRegion: "eu-central-1"},
	"eu-south-2":     {AZs: abc("eu-south-2"), CopyRegion: "eu-west-3"},
	"il-central-1":   {AZs: abc("il-central-1"), CopyRegion: "eu-central-1"},
	"me-central-1":   {AZs: abc("me-central-1"), CopyRegion: "me-south-1"},
	"me-south-1":     {AZs: abc("me-south-1"), CopyRegion: "me-central-1"},
	"af-south-1":     {AZs: abc("af-south-1"), CopyRegion: "eu-west-1"},
	"ap-south-1":     {AZs: abc("ap-south-1"), CopyRegion: "ap-south-2"},
	"ap-south-2":     {AZs: abc("ap-south-2"), CopyRegion: "ap-south-1"},
	"ap-southeast-1": {AZs: abc("ap-southeast-1"), CopyRegion: "ap-southeast-2"},
	"ap-southeast-2": {AZs: abc("ap-southeast-2"), CopyRegion: "ap-southeast-1"},
	"ap-southeast-3": {AZs: abc("ap-southeast-3"), CopyRegion: "ap-southeast-1"},
	"ap-southeast-4": {AZs: abc("ap-southeast-4"), CopyRegion: "ap-southeast-2"},
	"ap-southeast-5": {AZs: abc("ap-southeast-5"), CopyRegion: "ap-southeast-1"},
	"ap-southeast-7": {AZs: abc("ap-southeast-7"), CopyRegion: "ap-southeast-1"},
	"ap-northeast-1": {AZs: []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}, Note: "ap-northeast-1b is not offered to newer accounts; list the ones your account has.", CopyRegion: "ap-northeast-3"},
	"ap-northeast-2": {AZs: abc("ap-northeast-2"), CopyRegion: "ap-northeast-1"},
	"ap-northeast-3": {AZs: abc("ap-northeast-3"), CopyRegion: "ap-northeast-1"},
	"ap-east-1":      {AZs: abc("ap-east-1"), CopyRegion: "ap-southeast-1"},
	"ap-east-2":      {AZs: abc("ap-east-2"), CopyRegion: "ap-northeast-1"},
}

func abc(region string) []string {
	return []string{region + "a", region + "b", region + "c"}
}

// ZonesOf returns the zones and backup copy region of a known region.
func ZonesOf(region string) (Zones, bool) {
	z, ok := zoneTable[region]
	if !ok {
		return Zones{}, false
	}
	z.AZs = append([]string(nil), z.AZs...)
	return z, true
}
