package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func testOrganizations(t *testing.T, newStore Factory) {
	f := setup(t, newStore)
	r := f.role("r", nil)
	u := f.user("u@x.test")
	org, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "Berlin", ExternalID: "crm-1"})
	require.NoError(t, err)
	f.unchanged(rbac.EConflict, "", func() error {
		_, _, err := f.s.CreateOrganization(ctx, f.w(), rbac.OrganizationInput{Name: "Other", ExternalID: "crm-1"})
		return err
	})
	name := "Berlin HQ"
	up, _, err := f.s.UpdateOrganization(ctx, rbac.Write{TenantID: "acme", Actor: operator, IfMatch: rbac.ETag(org.Version)}, org.ID, rbac.OrganizationPatch{Name: &name})
	require.NoError(t, err)
	require.Equal(t, name, up.Name)
	require.Equal(t, org.Version+1, up.Version)

	_, _, _, err = f.s.Assign(ctx, f.w(), u.ID, rbac.AssignmentInput{RoleID: r.ID, OrganizationID: org.ID})
	require.NoError(t, err)
	_, err = f.s.DeleteOrganization(ctx, f.w(), org.ID)
	require.NoError(t, err)
	list, _, err := f.s.ListAssignments(ctx, "acme", u.ID, rbac.Page{})
	require.NoError(t, err)
	require.Empty(t, list, "deleting an organization removes the assignments scoped to it")
	_, err = f.s.GetOrganization(ctx, "acme", org.ID)
	require.Equal(t, rbac.ENotFound, rbac.ErrorCode(err))
}
