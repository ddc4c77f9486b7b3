package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

// testProvisioning: what SCIM provisioning needs of the store (schema 6):
// a username unique per tenant ignoring case, a group external id, and the
// exact-match filters its queries use.
func testProvisioning(t *testing.T, newStore Factory) {
	t.Run("username", func(t *testing.T) {
		f := setup(t, newStore)
		u, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "ann@x.test", Username: "Ann.Lee"})
		require.NoError(t, err)
		require.Equal(t, "Ann.Lee", u.Username)
		got, err := f.s.GetUser(ctx, f.tenant, u.ID)
		require.NoError(t, err)
		require.Equal(t, "Ann.Lee", got.Username, "kept as given")

		// Taken ignoring case: on create and on update, nothing written.
		f.unchanged(rbac.EConflict, "", func() error {
			_, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "other@x.test", Username: "ANN.LEE"})
			return err
		})
		bob, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "bob@x.test"})
		require.NoError(t, err)
		require.Empty(t, bob.Username, "no username until one is set")
		f.unchanged(rbac.EConflict, "", func() error {
			_, _, err := f.s.UpdateUser(ctx, f.w(), bob.ID, rbac.UserPatch{Username: ptr("ann.lee")})
			return err
		})
		// Many users may have none.
		_, _, err = f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "cy@x.test"})
		require.NoError(t, err)

		// A change of case of one's own username is a change, not a clash.
		u2, _, err := f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Username: ptr("ann.lee")})
		require.NoError(t, err)
		require.Equal(t, "ann.lee", u2.Username)
		require.Equal(t, "ann.lee", f.lastEvent().Details["after"].(map[string]any)["username"])
		// Setting the same again is a no-op; "" clears it.
		f.same(func() (int64, error) {
			_, rev, err := f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Username: ptr("ann.lee")})
			return rev, err
		})
		u3, _, err := f.s.UpdateUser(ctx, f.w(), u.ID, rbac.UserPatch{Username: ptr("")})
		require.NoError(t, err)
		require.Empty(t, u3.Username)
		_, _, err = f.s.UpdateUser(ctx, f.w(), bob.ID, rbac.UserPatch{Username: ptr("Ann.Lee")})
		require.NoError(t, err, "a cleared username is free again")

		f.unchanged(rbac.EInvalid, "username", func() error {
			_, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "dan@x.test", Username: "  "})
			return err
		})
		// An email clash is still named as one when the username is new.
		f.unchanged(rbac.EConflict, "", func() error {
			_, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "ANN@x.test", Username: "someone-else"})
			return err
		})
	})

	t.Run("user filters", func(t *testing.T) {
		f := setup(t, newStore)
		ann, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "Ann@X.test", Username: "ann", ExternalUserID: "ext-1"})
		require.NoError(t, err)
		_, _, err = f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "bob@x.test", Username: "bob", ExternalUserID: "EXT-1x"})
		require.NoError(t, err)
		cy, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "cy@x.test", Status: rbac.StatusDisabled})
		require.NoError(t, err)
		require.Equal(t, rbac.StatusDisabled, cy.Status, "a user may be made disabled (SCIM active: false)")
		for name, c := range map[string]struct {
			f    rbac.UserFilter
			want []string
		}{
			"username ignoring case":                         {rbac.UserFilter{Username: "ANN"}, []string{ann.ID}},
			"email ignoring case":                            {rbac.UserFilter{Email: "ann@x.TEST"}, []string{ann.ID}},
			"external id exactly":                            {rbac.UserFilter{ExternalUserID: "ext-1"}, []string{ann.ID}},
			"external id case":                               {rbac.UserFilter{ExternalUserID: "EXT-1"}, nil},
			"both must match":                                {rbac.UserFilter{Username: "ann", ExternalUserID: "EXT-1x"}, nil},
			"email and username ann":                         {rbac.UserFilter{Email: "ann@x.test", Username: "ann"}, []string{ann.ID}},
			"no prefix match":                                {rbac.UserFilter{Username: "an"}, nil},
			"login by username":                              {rbac.UserFilter{Login: "ANN"}, []string{ann.ID}},
			"login is not an email when there is a username": {rbac.UserFilter{Login: "ann@x.test"}, nil},
			"login by the email of a user without username":  {rbac.UserFilter{Login: "CY@x.test"}, []string{cy.ID}},
		} {
			users, _, err := f.s.ListUsers(ctx, f.tenant, c.f)
			require.NoError(t, err, name)
			var ids []string
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			require.Equal(t, c.want, ids, name)
		}
	})

	t.Run("group external id and filters", func(t *testing.T) {
		f := setup(t, newStore)
		g, _, err := f.s.CreateGroup(ctx, f.w(), rbac.GroupInput{Name: "Sales EMEA", ExternalID: "okta-1"})
		require.NoError(t, err)
		require.Equal(t, "okta-1", g.ExternalID)
		other := f.group("Support")
		u, _, err := f.s.CreateUser(ctx, f.w(), rbac.UserInput{Email: "ann@x.test"})
		require.NoError(t, err)
		_, err = f.s.AddGroupMembers(ctx, f.w(), other.ID, []string{u.ID})
		require.NoError(t, err)

		for name, c := range map[string]struct {
			f    rbac.GroupFilter
			want []string
		}{
			"name ignoring case": {rbac.GroupFilter{Name: "sales emea"}, []string{g.ID}},
			"external id":        {rbac.GroupFilter{ExternalID: "okta-1"}, []string{g.ID}},
			"external id case":   {rbac.GroupFilter{ExternalID: "OKTA-1"}, nil},
			"groups of a member": {rbac.GroupFilter{Member: u.ID}, []string{other.ID}},
			"member of none":     {rbac.GroupFilter{Member: "usr_nobody"}, nil},
			"name and member":    {rbac.GroupFilter{Name: "Sales EMEA", Member: u.ID}, nil},
		} {
			groups, _, err := f.s.ListGroups(ctx, f.tenant, c.f)
			require.NoError(t, err, name)
			var ids []string
			for _, g := range groups {
				ids = append(ids, g.ID)
			}
			require.Equal(t, c.want, ids, name)
		}

		g2, _, err := f.s.UpdateGroup(ctx, f.w(), g.ID, rbac.GroupPatch{ExternalID: ptr("okta-2")})
		require.NoError(t, err)
		require.Equal(t, "okta-2", g2.ExternalID)
		require.Equal(t, g.Version+1, g2.Version)
		f.same(func() (int64, error) {
			_, rev, err := f.s.UpdateGroup(ctx, f.w(), g.ID, rbac.GroupPatch{ExternalID: ptr("okta-2")})
			return rev, err
		})
		got, err := f.s.GetGroup(ctx, f.tenant, g.ID)
		require.NoError(t, err)
		require.Equal(t, "okta-2", got.ExternalID)
	})
}

func ptr[T any](v T) *T { return &v }
