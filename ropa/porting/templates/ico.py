"""The UK ICO's documentation templates for controllers and for processors (UK GDPR Art. 30(1), 30(2)).

The controllers' headings are those of sheet "Template", row 9, of the ICO's file
(https://ico.org.uk/media2/migrated/2172937/gdpr-documentation-controller-template.xlsx), as two
public copies quote them; the processors' headings are not confirmed. See
tests/fixtures/templates/README.md for what was read where. The breach columns, the Schedule 1
appropriate policy link (ropa's own column in its ICO export) and the adherence to the retention and
erasure policy go to the activity's structured fields (``personal_data_breach``,
``appropriate_policy_link``, ``retention_adherence``); an answer that is neither yes nor no, a breach
record beside "No", reasons beside "Yes" and "No" without reasons are kept as text in the notes.
"""

from ropa.porting.templates.spec import Template

_TRANSFERS = {
    "Names of third countries or international organisations that personal data are transferred to "
    "(if applicable)": "transfer_countries",
    "Safeguards for exceptional transfers of personal data to third countries or international "
    "organisations (if applicable)": "transfer_safeguards",
    "General description of technical and organisational security measures (if possible)": "security",
}

# The tabs and titles above the table in both templates.
_BOILERPLATE = (
    "Documentation template for controllers",
    "Documentation template for processors",
    "Article 30 Record of Processing Activities",
    "Privacy Notices",
    "Consent",
    "Access Requests",
    "Data Protection Impact Assessments",
    "Personal Data Breaches",
    "Data Protection Act 2018 - Special Category or Criminal Conviction and Offence data",
)

CONTROLLER = Template(
    id="ico-controller",
    title="ICO documentation template for controllers",
    authority="Information Commissioner's Office (UK)",
    language="en",
    country="GB",
    role="controller",
    style="table",
    sheet="Template",
    boilerplate=_BOILERPLATE,
    header={
        "Name and contact details of controller": "entity",
        "Name and contact details of Data Protection Officer (if applicable)": "dpo",
        "Name and contact details of representative (if applicable)": "representative",
    },
    columns={
        "Business function": "business_function",
        "Purpose of processing": "purpose",
        "Name and contact details of joint controller (if applicable)": "joint_controllers",
        "Categories of individuals": "data_subjects",
        "Categories of personal data": "data_categories",
        "Categories of recipients": "recipients",
        "Link to contract with processor": "notes",
        **_TRANSFERS,
        "Retention schedule (if possible)": "retention",
        "Article 6 lawful basis for processing personal data": "legal_bases",
        "Article 9 condition for processing special category data": "special_condition",
        "Legitimate interests for the processing (if applicable)": "legitimate_interest",
        "Link to record of legitimate interests assessment (if applicable)": "lia_reference",
        "Rights available to individuals": "rights",
        "Existence of automated decision-making, including profiling (if applicable)": "automated_decision",
        "The source of the personal data (if applicable)": "notes",
        "Link to record of consent": "notes",
        "Location of personal data": "system",
        "Data Protection Impact Assessment required?": "dpia_required",
        "Data Protection Impact Assessment progress": "notes",
        "Link to Data Protection Impact Assessment": "dpia_link",
        "Has a personal data breach occurred?": "breach",
        "Link to record of personal data breach": "breach_link",
        "Data Protection Act 2018 Schedule 1 Condition for processing": "uk_schedule1",
        # ropa's own column in its ICO export (not the ICO's): the Schedule 1 Part 4 policy document.
        "Link to Schedule 1 appropriate policy document": "appropriate_policy",
        # The Article 6 basis again, for the special category or criminal offence data (DPA 2018 Sch. 1).
        "GDPR Article 6 lawful basis for processing": "notes",
        "Link to retention and erasure policy document": "retention_policy",
        "Is personal data retained and erased in accordance with the policy document?": "adherence",
        "Reasons for not adhering to policy document (if applicable)": "adherence_reasons",
    },
    terms={
        # The ICO's own examples of categories ("Staff", "Customers", ...), and its lawful bases by name.
        "data_subject_category": {
            "Staff": "employee",
            "Staff including volunteers, agents, temporary and casual workers": "employee",
            "Suppliers": "supplier_contact",
            "Clients": "customer",
        },
        "data_category": {
            "Contact details": "contact_information",
            "Financial details": "financial",
            "Bank details": "bank_account",
            "Health": "health",
        },
        "recipient_kind": {
            "HMRC": "public_authority",
            "Payroll provider": "processor",
            "IT service provider": "processor",
        },
        "legal_basis": {
            "Public task": "art6_1_e",
            "Legitimate interests": "art6_1_f",
            "Legal obligation": "art6_1_c",
        },
    },
)

PROCESSOR = Template(
    id="ico-processor",
    title="ICO documentation template for processors",
    authority="Information Commissioner's Office (UK)",
    language="en",
    country="GB",
    role="processor",
    style="table",
    sheet="Template",
    boilerplate=_BOILERPLATE,
    header={
        "Name and contact details of processor": "entity",
        "Name and contact details of Data Protection Officer (if applicable)": "dpo",
        "Name and contact details of representative (if applicable)": "representative",
    },
    columns={
        "Name and contact details of controller": "controller_served",
        "Name and contact details of controller's representative (if applicable)": "notes",
        "Categories of processing": "categories_of_processing",
        **_TRANSFERS,
        "Link to contract with controller": "notes",
    },
    key_prefix="PP",
)
