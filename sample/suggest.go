package sample

import (
	"fmt"
	"maps"
	"slices"

	"switchyard/internal/typo"
)

// didYouMean returns "; did you mean 'x' maybe ?" for the candidate
// closest to name, or "" when none is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	best, bestDist := "", 1+len(name)/4
	if bestDist > 3 {
		bestDist = 3
	}
	bestDist++ // accept distances up to the limit
	for _, c := range candidates {
		if d := typo.Distance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean '%s' maybe ?", best)
}

// fetchNames lists the fetch keywords, with the ACL-only ones if inACL,
// sorted so that suggestions are deterministic.
func fetchNames(inACL bool) []string {
	names := slices.Collect(maps.Keys(fetches))
	if inACL {
		names = append(names, slices.Collect(maps.Keys(aclKeywords))...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
