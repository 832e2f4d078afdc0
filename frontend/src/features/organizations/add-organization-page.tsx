import {
  Alert,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath, isApiError } from '@/api/errors';
import type { CreateOrganization, IdentifierInput, RegisterCompany, RegisterHit } from '@/api/types';
import { AdminOnly } from '@/components/errors/admin-only';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useCreateOrganization, useRegisterCompany, useRegisterSearch } from './api/organizations';
import { COUNTRIES, countryName, formatAddress, identifierKindLabel } from './labels';

/** The identifier fields of the review step, per country (the KvK number is separate). */
type IdField = 'kvk_establishment' | 'oin' | 'vat' | 'gln' | 'be_enterprise' | 'other';

function identifierFieldsFor(country: string): IdField[] {
  if (country === 'NL') return ['kvk_establishment', 'oin', 'vat', 'gln'];
  if (country === 'BE') return ['be_enterprise', 'vat'];
  return ['vat', 'other'];
}

interface DetailsValues {
  kvkNumber: string;
  statutoryName: string;
  tradeNames: string[];
  street: string;
  houseNumber: string;
  postalCode: string;
  city: string;
  contactName: string;
  contactEmail: string;
  ids: Record<IdField, string>;
  otherScheme: string;
}

const EMPTY_DETAILS: DetailsValues = {
  kvkNumber: '',
  statutoryName: '',
  tradeNames: [],
  street: '',
  houseNumber: '',
  postalCode: '',
  city: '',
  contactName: '',
  contactEmail: '',
  ids: { kvk_establishment: '', oin: '', vat: '', gln: '', be_enterprise: '', other: '' },
  otherScheme: '',
};

const optional = (value: string) => (value.trim() === '' ? {} : { value: value.trim() });

/** The request body, and for each sent identifier the form field it came from. */
function buildRequest(country: string, values: DetailsValues): { body: CreateOrganization; sources: IdField[] } {
  const identifiers: IdentifierInput[] = [];
  const sources: IdField[] = [];
  for (const field of identifierFieldsFor(country)) {
    const value = values.ids[field].trim();
    if (value === '') continue;
    identifiers.push(
      field === 'other' ? { kind: 'other', value, scheme: values.otherScheme.trim() } : { kind: field, value },
    );
    sources.push(field);
  }
  const address = {
    street: optional(values.street).value ?? null,
    houseNumber: optional(values.houseNumber).value ?? null,
    postalCode: optional(values.postalCode).value ?? null,
    city: optional(values.city).value ?? null,
  };
  const body: CreateOrganization = {
    country,
    statutoryName: values.statutoryName.trim(),
    tradeNames: values.tradeNames.map((n) => n.trim()).filter((n) => n !== ''),
    address,
    identifiers,
    ...(values.kvkNumber.trim() === '' ? {} : { kvkNumber: values.kvkNumber.trim() }),
    ...(values.contactName.trim() === '' ? {} : { contactName: values.contactName.trim() }),
    ...(values.contactEmail.trim() === '' ? {} : { contactEmail: values.contactEmail.trim() }),
  };
  return { body, sources };
}

/** Maps the server's field errors (`identifiers[1].value`, `kvkNumber`, `address.city`) to form fields. */
function formErrors(error: unknown, sources: IdField[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [field, message] of Object.entries(fieldErrorsByPath(error))) {
    const indexed = /^identifiers\[(\d+)\]\.(value|kind|scheme)$/.exec(field);
    if (indexed !== null) {
      const source = sources[Number(indexed[1])];
      if (source !== undefined) result[indexed[2] === 'scheme' ? 'otherScheme' : `ids.${source}`] = message;
      continue;
    }
    const name = field.replace(/^address\./, '');
    result[name] = message;
  }
  return result;
}

function RegisterUnavailable({ onManual }: { onManual: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="orange" role="alert" title={t('organizations.wizard.registerUnavailableTitle')}>
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{t('organizations.wizard.registerUnavailable')}</Text>
        <Button size="xs" variant="default" onClick={onManual}>
          {t('organizations.wizard.enterManually')}
        </Button>
      </Stack>
    </Alert>
  );
}

interface FindStepProps {
  country: string;
  onCountry: (country: string) => void;
  onPicked: (company: RegisterCompany) => void;
  onManual: () => void;
}

/** Step 1: the country, and for the Netherlands a search of the business register. */
function FindStep({ country, onCountry, onPicked, onManual }: FindStepProps) {
  const { t, i18n } = useTranslation();
  const [mode, setMode] = useState<'kvk' | 'name'>('kvk');
  const form = useForm({ initialValues: { kvkNumber: '', name: '', place: '' } });
  const search = useRegisterSearch({
    onError: (error) => {
      form.setErrors(fieldErrorsByPath(error));
    },
  });
  // The hit being fetched (several hits, a company's branches, share one KvK number).
  const [picking, setPicking] = useState<RegisterHit | null>(null);
  const pick = useRegisterCompany({ onSuccess: onPicked });
  const unavailable = [search.error, pick.error].some(
    (error) => isApiError(error) && (error.code === 'register_unavailable' || error.status === 503),
  );
  const countries = COUNTRIES.map((code) => ({ value: code, label: countryName(code, i18n.language) }));

  return (
    <Stack>
      <Select
        label={t('organizations.wizard.country')}
        data={countries}
        value={country}
        searchable
        allowDeselect={false}
        onChange={(value) => {
          if (value !== null) onCountry(value);
        }}
        maw={360}
      />
      {country !== 'NL' ? (
        <Stack align="flex-start">
          <Text>{t('organizations.wizard.manualOtherCountry')}</Text>
          <Button onClick={onManual}>{t('organizations.wizard.next')}</Button>
        </Stack>
      ) : (
        <>
          <Text>{t('organizations.wizard.searchHelp')}</Text>
          <SegmentedControl
            value={mode}
            onChange={(value) => {
              setMode(value === 'name' ? 'name' : 'kvk');
              form.clearErrors();
            }}
            data={[
              { value: 'kvk', label: t('organizations.wizard.byKvk') },
              { value: 'name', label: t('organizations.wizard.byName') },
            ]}
            w="fit-content"
          />
          <form
            onSubmit={form.onSubmit((values) => {
              search.mutate({
                params: {
                  query:
                    mode === 'kvk'
                      ? { kvkNumber: values.kvkNumber.trim() }
                      : {
                          name: values.name.trim(),
                          ...(values.place.trim() === '' ? {} : { place: values.place.trim() }),
                        },
                },
              });
            })}
            noValidate
          >
            <Group align="flex-end">
              {mode === 'kvk' ? (
                <TextInput
                  label={t('organizations.wizard.kvkNumber')}
                  placeholder="12345678"
                  inputMode="numeric"
                  required
                  {...form.getInputProps('kvkNumber')}
                />
              ) : (
                <>
                  <TextInput label={t('organizations.wizard.name')} required {...form.getInputProps('name')} />
                  <TextInput
                    label={t('organizations.wizard.place')}
                    description={t('common.optional')}
                    {...form.getInputProps('place')}
                  />
                </>
              )}
              <Button type="submit" loading={search.isPending}>
                {t('organizations.wizard.search')}
              </Button>
            </Group>
          </form>
          {unavailable ? (
            <RegisterUnavailable onManual={onManual} />
          ) : (
            <>
              {search.isError && Object.keys(fieldErrorsByPath(search.error)).length === 0 && (
                <FormError error={search.error} />
              )}
              <FormError error={pick.error} />
            </>
          )}
          {search.data?.items.length === 0 && <Text c="dimmed">{t('organizations.wizard.noHits')}</Text>}
          {search.data !== undefined && search.data.items.length > 0 && (
            <Stack gap="xs" role="list" aria-label={t('organizations.wizard.hits')}>
              {search.data.nextCursor != null && (
                <Text size="sm" c="dimmed">
                  {t('organizations.wizard.moreHits')}
                </Text>
              )}
              {search.data.items.map((hit, index) => (
                <Paper key={`${hit.kvkNumber}-${hit.establishmentNumber ?? ''}-${String(index)}`} withBorder p="sm" role="listitem">
                  <Group justify="space-between">
                    <div>
                      <Text fw={600}>{hit.name}</Text>
                      <Text size="sm" c="dimmed">
                        {t('organizations.wizard.hitLine', { kvk: hit.kvkNumber, place: hit.place ?? '—' })}
                        {hit.kind === 'nevenvestiging' ? ` · ${t('organizations.wizard.branch')}` : ''}
                      </Text>
                    </div>
                    <Button
                      size="xs"
                      variant="light"
                      loading={pick.isPending && picking === hit}
                      aria-label={t('organizations.wizard.pickLabel', { name: hit.name })}
                      onClick={() => {
                        setPicking(hit);
                        pick.mutate({ params: { path: { kvkNumber: hit.kvkNumber } } });
                      }}
                    >
                      {t('organizations.wizard.pick')}
                    </Button>
                  </Group>
                </Paper>
              ))}
            </Stack>
          )}
        </>
      )}
    </Stack>
  );
}

function AddOrganizationWizard() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const [country, setCountry] = useState('NL');
  const [company, setCompany] = useState<RegisterCompany | null>(null);
  const form = useForm<DetailsValues>({
    initialValues: EMPTY_DETAILS,
    validate: {
      statutoryName: (value) => (value.trim() === '' ? t('organizations.wizard.nameRequired') : null),
      kvkNumber: (value) =>
        country === 'NL' && value.trim() === '' ? t('organizations.wizard.kvkRequired') : null,
    },
  });
  const idFields = identifierFieldsFor(country);

  const save = useCreateOrganization({
    onSuccess: async (org) => {
      notifySuccess(t('organizations.wizard.saved', { name: org.statutoryName }));
      await navigate({ to: '/organizations/$organizationId', params: { organizationId: org.id } });
    },
    onError: (error) => {
      // The review step has no inputs: the form still holds what was sent.
      const errors = formErrors(error, buildRequest(country, form.values).sources);
      if (Object.keys(errors).length > 0) {
        form.setErrors(errors);
        setStep(1);
      }
    },
  });

  const startManual = () => {
    setCompany(null);
    form.setValues({ ...EMPTY_DETAILS });
    form.resetDirty();
    save.reset();
    setStep(1);
  };

  const picked = (found: RegisterCompany) => {
    setCompany(found);
    form.setValues({
      ...EMPTY_DETAILS,
      kvkNumber: found.kvkNumber,
      statutoryName: found.statutoryName,
      tradeNames: found.tradeNames,
      street: found.address?.street ?? '',
      houseNumber: found.address?.houseNumber ?? '',
      postalCode: found.address?.postalCode ?? '',
      city: found.address?.city ?? '',
    });
    save.reset();
    setStep(1);
  };

  const summary = buildRequest(country, form.values).body;

  return (
    <Stack>
      <Title order={1}>{t('organizations.wizard.title')}</Title>
      <Stepper active={step} allowNextStepsSelect={false} onStepClick={setStep}>
        <Stepper.Step label={t('organizations.wizard.steps.find')}>
          <FindStep
            country={country}
            onCountry={(value) => {
              setCountry(value);
              setCompany(null);
            }}
            onPicked={picked}
            onManual={startManual}
          />
        </Stepper.Step>
        <Stepper.Step label={t('organizations.wizard.steps.review')}>
          <form
            onSubmit={form.onSubmit(() => {
              setStep(2);
            })}
            noValidate
          >
            <Stack>
              {company !== null ? (
                <Alert color="blue" title={t('organizations.wizard.fromRegister')}>
                  {t('organizations.wizard.fromRegisterHelp', { kvk: company.kvkNumber })}
                </Alert>
              ) : (
                <Text c="dimmed">
                  {t('organizations.wizard.manualHelp', { country: countryName(country, i18n.language) })}
                </Text>
              )}
              {country === 'NL' && (
                <TextInput
                  label={t('organizations.identifierKinds.kvk')}
                  readOnly={company !== null}
                  required
                  {...(company !== null ? { description: t('organizations.wizard.kvkFromRegister') } : {})}
                  {...form.getInputProps('kvkNumber')}
                />
              )}
              <TextInput label={t('organizations.fields.statutoryName')} required {...form.getInputProps('statutoryName')} />
              <TagsInput
                label={t('organizations.fields.tradeNames')}
                description={t('organizations.fields.tradeNamesHelp')}
                {...form.getInputProps('tradeNames')}
              />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput label={t('organizations.fields.street')} {...form.getInputProps('street')} />
                <TextInput label={t('organizations.fields.houseNumber')} {...form.getInputProps('houseNumber')} />
                <TextInput label={t('organizations.fields.postalCode')} {...form.getInputProps('postalCode')} />
                <TextInput label={t('organizations.fields.city')} {...form.getInputProps('city')} />
                <TextInput
                  label={t('organizations.fields.contactName')}
                  description={t('common.optional')}
                  {...form.getInputProps('contactName')}
                />
                <TextInput
                  label={t('organizations.fields.contactEmail')}
                  description={t('common.optional')}
                  type="email"
                  {...form.getInputProps('contactEmail')}
                />
              </SimpleGrid>
              <Title order={2} size="h4">
                {t('organizations.wizard.identifiers')}
              </Title>
              <Text size="sm" c="dimmed">
                {t('organizations.wizard.identifiersHelp')}
              </Text>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {idFields.map((field) =>
                  field === 'other' ? (
                    <Group key={field} align="flex-start" grow>
                      <TextInput
                        label={t('organizations.fields.scheme')}
                        description={t('organizations.fields.schemeHelp')}
                        placeholder="0060"
                        maw={140}
                        {...form.getInputProps('otherScheme')}
                      />
                      <TextInput
                        label={identifierKindLabel(t, field)}
                        description={t('common.optional')}
                        {...form.getInputProps(`ids.${field}`)}
                      />
                    </Group>
                  ) : (
                    <TextInput
                      key={field}
                      label={identifierKindLabel(t, field)}
                      description={t(`organizations.identifierHints.${field}`)}
                      {...form.getInputProps(`ids.${field}`)}
                    />
                  ),
                )}
              </SimpleGrid>
              <Group justify="space-between">
                <Button
                  variant="default"
                  onClick={() => {
                    setStep(0);
                  }}
                >
                  {t('organizations.wizard.back')}
                </Button>
                <Button type="submit">{t('organizations.wizard.next')}</Button>
              </Group>
            </Stack>
          </form>
        </Stepper.Step>
        <Stepper.Step label={t('organizations.wizard.steps.save')}>
          <Stack>
            <Paper withBorder p="md">
              <Stack gap={4}>
                <Text fw={700}>{summary.statutoryName}</Text>
                {summary.tradeNames !== undefined && summary.tradeNames.length > 0 && (
                  <Text size="sm">{summary.tradeNames.join(', ')}</Text>
                )}
                <Text size="sm">{formatAddress(summary.address)}</Text>
                <Text size="sm">{countryName(country, i18n.language)}</Text>
                {summary.kvkNumber !== undefined && (
                  <Text size="sm">
                    {t('organizations.identifierKinds.kvk')}: {summary.kvkNumber}
                  </Text>
                )}
                {(summary.identifiers ?? []).map((identifier) => (
                  <Text size="sm" key={identifier.kind}>
                    {identifierKindLabel(t, identifier.kind)}: {identifier.scheme === undefined || identifier.scheme === null ? '' : `${identifier.scheme} `}
                    {identifier.value}
                  </Text>
                ))}
              </Stack>
            </Paper>
            <Text size="sm" c="dimmed">
              {t('organizations.wizard.saveHelp')}
            </Text>
            <FormError error={save.error} />
            <Group justify="space-between">
              <Button
                variant="default"
                onClick={() => {
                  setStep(1);
                }}
              >
                {t('organizations.wizard.back')}
              </Button>
              <Button
                loading={save.isPending}
                onClick={() => {
                  save.mutate({ body: buildRequest(country, form.values).body });
                }}
              >
                {t('organizations.wizard.save')}
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}

export function AddOrganizationPage() {
  return (
    <AdminOnly>
      <AddOrganizationWizard />
    </AdminOnly>
  );
}
